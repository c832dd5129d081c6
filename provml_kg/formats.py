"""RDF formats by the names users type: ``trig``, ``nq``, ``ttl``, ``nt``, ``xml``, ``jsonld``, ``n3``.

One lookup shared by the store, the remote store and the CLI, so every verb accepts the same names,
file extensions and media types, and refuses anything else with the list of what is valid.

>>> rdf_format("ttl").name
'Turtle'
>>> rdf_format("application/n-quads").name
'N-Quads'
>>> format_for_path("run.trig").name
'TriG'
>>> rdf_format("yaml")
Traceback (most recent call last):
...
provml_kg.errors.UnknownFormatError: unknown RDF format 'yaml'; use one of jsonld, n3, nq, nt, trig, ttl, xml (or a file extension or media type of one of them)
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import RdfFormat

from provml_kg.errors import UnknownFormatError

__all__ = ["FORMATS", "rdf_format", "format_for_path", "format_names"]

FORMATS: dict[str, RdfFormat] = {
    "trig": RdfFormat.TRIG,
    "nq": RdfFormat.N_QUADS,
    "ttl": RdfFormat.TURTLE,
    "nt": RdfFormat.N_TRIPLES,
    "xml": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
    "n3": RdfFormat.N3,
}
"""Every RDF format pyoxigraph reads and writes, by its short name."""

_ALIASES: dict[str, str] = {
    "nquads": "nq", "n-quads": "nq", "turtle": "ttl", "ntriples": "nt", "n-triples": "nt",
    "rdf": "xml", "rdfxml": "xml", "rdf/xml": "xml", "rdf-xml": "xml", "owl": "xml",
    "json-ld": "jsonld", "json": "jsonld", "nquads": "nq",
}


def format_names() -> list[str]:
    """Return the short format names, sorted (what the CLI lists in ``--help``)."""
    return sorted(FORMATS)


def rdf_format(name: str | RdfFormat) -> RdfFormat:
    """Return the :class:`pyoxigraph.RdfFormat` named by a short name, an alias, a file
    extension (with or without the dot) or a media type; an ``RdfFormat`` is returned as is.

    Raises:
        UnknownFormatError: nothing handles that name.
    """
    if isinstance(name, RdfFormat):
        return name
    key = name.strip().lower().lstrip(".")
    key = _ALIASES.get(key, key)
    if key in FORMATS:
        return FORMATS[key]
    found = RdfFormat.from_media_type(key) if "/" in key else None
    if found is not None:
        return found
    raise UnknownFormatError(
        f"unknown RDF format {name!r}; use one of {', '.join(format_names())} "
        "(or a file extension or media type of one of them)"
    )


def format_for_path(path: str | Path) -> RdfFormat:
    """Return the RDF format of a file from its extension (``.ttl``, ``.nq``, ``.trig``, ``.owl``...).

    Raises:
        UnknownFormatError: the extension names no RDF format.
    """
    suffix = Path(path).suffix
    if not suffix:
        raise UnknownFormatError(
            f"cannot tell the RDF format of {str(path)!r}: it has no extension; "
            f"give the format explicitly (one of {', '.join(format_names())})"
        )
    try:
        return rdf_format(suffix)
    except UnknownFormatError:
        raise UnknownFormatError(
            f"cannot tell the RDF format of {str(path)!r} from its extension {suffix!r}; "
            f"give the format explicitly (one of {', '.join(format_names())})"
        ) from None
