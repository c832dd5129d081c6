"""Content negotiation: which pyoxigraph format answers an ``Accept`` header.

SELECT and ASK results: SPARQL JSON (default), XML, CSV, TSV. CONSTRUCT, DESCRIBE and graphs:
Turtle (default), N-Triples, RDF/XML, JSON-LD, N3, and the dataset formats N-Quads and TriG.
A ``format`` parameter (``json``, ``xml``, ``csv``, ``tsv``, ``ttl``, ``nt``, ``rdf``,
``jsonld``, ``n3``, ``nq``, ``trig``) overrides the header, for links and browsers.
"""

from __future__ import annotations

from typing import TypeVar

from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat
from starlette.exceptions import HTTPException

from provml_kg.errors import InputError

__all__ = ["RESULT_TYPES", "GRAPH_TYPES", "results_format", "graph_format", "rdf_format_of",
           "iri", "FORMAT_NAMES"]

RESULT_TYPES: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "application/xml": QueryResultsFormat.XML,
    "text/xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
"""Media types of SELECT / ASK results, in order of preference for wildcards."""

GRAPH_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/ld+json": RdfFormat.JSON_LD,
    "text/n3": RdfFormat.N3,
    "application/n-quads": RdfFormat.N_QUADS,
    "application/trig": RdfFormat.TRIG,
}
"""Media types of graphs (CONSTRUCT, DESCRIBE, Graph Store GET), preferred first."""

FORMAT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
    "ttl": "text/turtle", "turtle": "text/turtle", "nt": "application/n-triples",
    "ntriples": "application/n-triples", "rdf": "application/rdf+xml", "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json", "n3": "text/n3", "nq": "application/n-quads",
    "nquads": "application/n-quads", "trig": "application/trig",
}
"""Short names accepted by the ``format`` parameter, mapped to the media type they ask for."""

F = TypeVar("F", QueryResultsFormat, RdfFormat)


def _ranges(accept: str) -> list[tuple[float, int, str]]:
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((q, position, media.lower()))
    # higher q first, then more specific, then the client's own order
    ranges.sort(key=lambda r: (-r[0], r[2].count("*"), r[1]))
    return ranges


def negotiate(accept: str | None, offers: dict[str, F], default: F) -> F:
    """Return the format of ``offers`` that ``accept`` prefers (``default`` for none or ``*/*``).

    Raises:
        HTTPException: 406 with the acceptable media types when nothing fits.
    """
    if accept is None or not accept.strip():
        return default
    if accept in FORMAT_NAMES:
        accept = FORMAT_NAMES[accept]
    for _, _, media in _ranges(accept):
        if media in offers:
            return offers[media]
        if media == "*/*":
            return default
        if media.endswith("/*"):
            main = media[:-1]
            for fmt in offers.values():  # by the media type the response will carry
                if fmt.media_type.startswith(main):
                    return fmt
    raise HTTPException(406, f"none of the accepted media types ({accept}) can represent this "
                             f"result; available: {', '.join(offers)}")


def results_format(accept: str | None) -> QueryResultsFormat:
    """Return the SELECT/ASK result format for an Accept header (or ``format`` name)."""
    return negotiate(accept, RESULT_TYPES, QueryResultsFormat.JSON)


def graph_format(accept: str | None) -> RdfFormat:
    """Return the graph format for an Accept header (or ``format`` name)."""
    return negotiate(accept, GRAPH_TYPES, RdfFormat.TURTLE)


def rdf_format_of(content_type: str | None) -> RdfFormat:
    """Return the RDF format of a request body's Content-Type.

    Raises:
        HTTPException: 415 when the type is missing or not an RDF format pyoxigraph parses.
    """
    media = (content_type or "").split(";")[0].strip().lower()
    fmt = GRAPH_TYPES.get(media) or (RdfFormat.from_media_type(media) if media else None)
    if fmt is None:
        raise HTTPException(415, f"Content-Type {content_type!r} is not an RDF format; send one "
                                 f"of {', '.join(GRAPH_TYPES)}")
    return fmt


def iri(value: str, what: str) -> NamedNode:
    """Return ``value`` as an IRI term.

    Raises:
        InputError: ``value`` is not an absolute IRI (the message names ``what``).
    """
    try:
        node = NamedNode(value)
    except ValueError as bad:
        raise InputError(f"{what} {value!r} is not a valid IRI: {bad}") from None
    if ":" not in value:
        raise InputError(f"{what} {value!r} is not an absolute IRI (e.g. https://example.org/g)")
    return node
