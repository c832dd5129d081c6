"""Load and check the PROV-ML ontology (or a domain ontology built on it), offline.

Imports are resolved through the OASIS catalog shipped beside the ontology
(``ontology/catalog-v001.xml``, the file Protégé reads), never over the network. The same import
closure loads into pyoxigraph (for SPARQL and serialisation) and into owlready2 (for HermiT).

Example:
    >>> closure = import_closure()
    >>> [iri for iri, _ in closure]
    ['http://www.w3.org/ns/prov-o#', 'http://www.w3.org/ns/mls#', 'https://w3id.org/provml']
    >>> report = check(reasoner=False)
    >>> report.ok
    True
"""

from __future__ import annotations

import contextlib
import io
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    RdfFormat,
    Store,
    Triple,
    Variable,
    parse,
    serialize,
)

from provml_kg.errors import OntologyError, UnknownFormatError
from provml_kg.resources import ontology_dir, ontology_file
from provml_kg.vocab import MLS, OWL, PROV, PROVML, PROVML_IRI, RDF, RDFS, SKOS, prefixes

CATALOG_NAME = "catalog-v001.xml"
_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"

OUTPUT_FORMATS: dict[str, RdfFormat] = {
    "ttl": RdfFormat.TURTLE,
    "owl": RdfFormat.RDF_XML,
    "nt": RdfFormat.N_TRIPLES,
}
"""Formats :func:`serialize_ontology` writes, by the names the CLI accepts."""

_INPUT_FORMATS: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".owl": RdfFormat.RDF_XML,
    ".rdf": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".nt": RdfFormat.N_TRIPLES,
}


@dataclass(frozen=True)
class Problem:
    """One problem found by :func:`check`: which check, about which term or file, and why."""

    check: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.message}"


@dataclass
class CheckReport:
    """What :func:`check` found. ``ok`` is true when there are no problems."""

    ontology: str
    imports: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    consistent: bool | None = None
    reasoner: str = "not run"
    reasoner_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed (and the reasoner, if run, found the ontology consistent)."""
        return not self.problems and self.consistent is not False


def read_catalog(path: Path) -> dict[str, Path]:
    """Return the import IRI -> local file mapping of an OASIS XML catalog (Protégé's format).

    Raises:
        OntologyError: the catalog is not well-formed XML.
    """
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as bad:
        raise OntologyError(f"cannot read the catalog {path}: {bad}") from bad
    mapping: dict[str, Path] = {}
    for entry in root.iter(f"{_CATALOG_NS}uri"):
        name, uri = entry.get("name"), entry.get("uri")
        if name and uri:
            mapping[name] = (path.parent / uri).resolve()
    return mapping


def _catalogs_for(path: Path) -> dict[str, Path]:
    # The file's own folder wins (Protégé reads the catalog beside the opened file); the
    # PROV-ML catalog fills in, so a domain ontology elsewhere still finds PROV-O and ML Schema.
    mapping = read_catalog(ontology_dir() / CATALOG_NAME)
    local = path.parent / CATALOG_NAME
    if local.is_file():
        mapping.update(read_catalog(local))
    return mapping


def _format_of(path: Path) -> RdfFormat:
    try:
        return _INPUT_FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_INPUT_FORMATS))
        raise UnknownFormatError(
            f"cannot tell the RDF format of {path} from its suffix {path.suffix!r}; use one of {known}"
        ) from None


def read_triples(path: Path) -> list[Triple]:
    """Parse an ontology file (Turtle, RDF/XML or N-Triples, by suffix) and return its triples.

    Raises:
        OntologyError: the file is missing or does not parse (the message has the parser's words).
        UnknownFormatError: the suffix names no RDF format.
    """
    fmt = _format_of(path)
    try:
        with path.open("rb") as handle:
            return [q.triple for q in parse(handle, format=fmt, base_iri=path.as_uri())]
    except OSError as bad:
        raise OntologyError(f"cannot read {path}: {bad}") from bad
    except SyntaxError as bad:
        raise OntologyError(f"{path} does not parse: {bad}") from bad


def same_graph(first: Path, second: Path) -> bool:
    """Return whether two RDF files hold the same graph (isomorphic: blank-node labels may differ).

    Raises:
        OntologyError: a file is missing or does not parse.
    """
    from rdflib.compare import isomorphic

    def as_rdflib(path: Path):  # type: ignore[no-untyped-def]
        import rdflib

        data = serialize(set(read_triples(path)), format=RdfFormat.N_TRIPLES)
        return rdflib.Graph().parse(data=data, format="nt")

    return isomorphic(as_rdflib(first), as_rdflib(second))


def _ontology_iri(triples: list[Triple], path: Path) -> str:
    for t in triples:
        if t.predicate == RDF.type and t.object == OWL.Ontology and isinstance(t.subject, NamedNode):
            if not any(x.predicate == OWL.imports and x.object == t.subject for x in triples):
                return t.subject.value
    raise OntologyError(f"{path} declares no owl:Ontology")


def import_closure(path: Path | None = None) -> list[tuple[str, Path]]:
    """Return ``(ontology IRI, file)`` for an ontology and everything it imports, imports first.

    Imports are resolved only through the catalogs (the file's own and PROV-ML's), never the network.

    Raises:
        OntologyError: an import has no local file in the catalogs, or a file does not parse.
    """
    root = path or ontology_file("provml.ttl")
    catalog = _catalogs_for(root)
    order: list[tuple[str, Path]] = []
    seen: set[Path] = set()

    def visit(file: Path, iri_hint: str | None) -> None:
        file = file.resolve()
        if file in seen:
            return
        seen.add(file)
        triples = read_triples(file)
        iri = iri_hint or _ontology_iri(triples, file)
        for t in triples:
            if t.predicate == OWL.imports and isinstance(t.object, NamedNode):
                target = catalog.get(t.object.value)
                if target is None or not target.is_file():
                    raise OntologyError(
                        f"{file.name} imports <{t.object.value}>, which no catalog maps to a local "
                        f"file (known: {', '.join(sorted(catalog))})"
                    )
                visit(target, t.object.value)
        order.append((iri, file))

    visit(root, None)
    return order


def load_ontology(
    store: Store | None = None, path: Path | None = None, *, graph: NamedNode | DefaultGraph | None = None
) -> Store:
    """Load an ontology and its import closure into a pyoxigraph store and return the store.

    Args:
        store: where to load; a new in-memory store when omitted.
        path: the ontology file; PROV-ML's ``provml.ttl`` when omitted.
        graph: the graph to load into; by default each ontology goes into a named graph named
            by its ontology IRI.

    Raises:
        OntologyError: see :func:`import_closure`.
    """
    target = store if store is not None else Store()
    for iri, file in import_closure(path):
        name = graph if graph is not None else NamedNode(iri)
        target.extend(Quad(t.subject, t.predicate, t.object, name) for t in read_triples(file))
    return target


def merged_triples(path: Path | None = None) -> list[Triple]:
    """Return the triples of an ontology and its imports, merged, without the ``owl:imports`` links.

    Raises:
        OntologyError: see :func:`import_closure`.
    """
    seen: set[Triple] = set()
    merged: list[Triple] = []
    for _, file in import_closure(path):
        for t in read_triples(file):
            if t.predicate != OWL.imports and t not in seen:
                seen.add(t)
                merged.append(t)
    return merged


def serialize_ontology(fmt: str = "ttl", path: Path | None = None) -> bytes:
    """Return the merged ontology (imports included, see :func:`merged_triples`) as ``ttl``, ``owl`` or ``nt``.

    Raises:
        UnknownFormatError: ``fmt`` is not one of :data:`OUTPUT_FORMATS`.
        OntologyError: see :func:`import_closure`.
    """
    try:
        rdf_format = OUTPUT_FORMATS[fmt]
    except KeyError:
        raise UnknownFormatError(
            f"unknown ontology format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)}"
        ) from None
    data = serialize(merged_triples(path), format=rdf_format, prefixes=prefixes())
    assert data is not None
    return data


def render_rdfxml(path: Path) -> bytes:
    """Return the RDF/XML rendition of a Turtle ontology file (what ``provml.owl`` holds).

    Raises:
        OntologyError: the file does not parse.
    """
    data = serialize(read_triples(path), format=RdfFormat.RDF_XML, prefixes=prefixes())
    assert data is not None
    return data


def load_owlready(path: Path | None = None):  # type: ignore[no-untyped-def]
    """Load an ontology and its imports into a fresh owlready2 ``World``; return ``(world, ontology)``.

    Each file of the import closure is handed to owlready2 as N-Triples under its ontology IRI,
    imports first, so owlready2 never looks for a file by name or on the network.

    Raises:
        OntologyError: see :func:`import_closure`, or owlready2 refused a file.
    """
    import owlready2  # deferred: owlready2 sets up a SQLite quadstore when first used

    world = owlready2.World()
    ontology = None
    for iri, file in import_closure(path):
        data = serialize(read_triples(file), format=RdfFormat.N_TRIPLES)
        try:
            ontology = world.get_ontology(iri).load(fileobj=io.BytesIO(data), format="ntriples")
        except Exception as bad:  # owlready2 raises bare Exceptions of several kinds
            raise OntologyError(f"owlready2 cannot load {file}: {bad}") from bad
    return world, ontology


def run_hermit(world) -> tuple[bool, list[str], float]:  # type: ignore[no-untyped-def]
    """Run HermiT (through owlready2, on the installed Java) on a world.

    Returns:
        ``(consistent, unsatisfiable class IRIs, seconds)``.

    Raises:
        OntologyError: Java or HermiT could not run.
    """
    import owlready2

    started = time.perf_counter()
    try:
        with world.get_ontology("http://provml-kg.invalid/inferences/"):
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False, [], time.perf_counter() - started
    except (OSError, owlready2.OwlReadyJavaError) as bad:
        raise OntologyError(f"HermiT could not run (is Java on the PATH?): {bad}") from bad
    unsatisfiable = sorted(c.iri for c in world.inconsistent_classes() if hasattr(c, "iri"))
    return True, unsatisfiable, time.perf_counter() - started


def _declared(store: Store) -> set[str]:
    kinds = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             RDF.Property, RDFS.Class, OWL.NamedIndividual, OWL.Ontology]
    declared: set[str] = set()
    for kind in kinds:
        for quad in store.quads_for_pattern(None, RDF.type, kind, None):
            if isinstance(quad.subject, NamedNode):
                declared.add(quad.subject.value)
    return declared


def _structural_problems(store: Store, main_graph: NamedNode) -> Iterator[Problem]:
    own_namespace = main_graph.value.rstrip("#/") + "#"
    declared = _declared(store)
    own_terms = sorted(
        q.subject.value
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for q in store.quads_for_pattern(None, RDF.type, kind, main_graph)
        if isinstance(q.subject, NamedNode)
    )
    for term in own_terms:
        node = NamedNode(term)
        if not any(store.quads_for_pattern(node, RDFS.label, None, main_graph)):
            yield Problem("label", term, "has no rdfs:label")
        if not any(store.quads_for_pattern(node, RDFS.comment, None, main_graph)) and not any(
            store.quads_for_pattern(node, SKOS.definition, None, main_graph)
        ):
            yield Problem("comment", term, "has neither rdfs:comment nor skos:definition")

    ancestry = store.query(
        """
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?class ?main WHERE {
          GRAPH ?main { ?class a owl:Class }
          FILTER(isIRI(?class))
          FILTER NOT EXISTS {
            ?class rdfs:subClassOf+ ?ancestor .
            FILTER(STRSTARTS(STR(?ancestor), "http://www.w3.org/ns/prov#"))
          }
        }
        """,
        substitutions={Variable("main"): main_graph},
        use_default_graph_as_union=True,
    )
    for row in ancestry:
        yield Problem("prov-ancestor", row["class"].value, "has no PROV-O ancestor class")

    watched = (PROVML.iri, PROV.iri, MLS.iri, own_namespace)
    for quad in store.quads_for_pattern(None, None, None, main_graph):
        for term in (quad.subject, quad.predicate, quad.object):
            if isinstance(term, NamedNode) and term.value.startswith(watched):
                if term.value not in declared:
                    yield Problem("undeclared", term.value, "is used but no ontology declares it")


def check(path: Path | None = None, *, reasoner: bool = True) -> CheckReport:
    """Check an ontology (PROV-ML by default) and its imports; return what was found.

    Checks: every import resolves offline through the catalogs; every file parses; every class and
    property the ontology declares has a label and a comment (or skos:definition); every class has
    a PROV-O ancestor; no PROV-ML, PROV-O or ML Schema term is used that nothing declares; for
    PROV-ML itself, ``provml.owl`` holds the same triples as ``provml.ttl``; and (with
    ``reasoner``) HermiT finds the merged ontology consistent with no unsatisfiable class.

    Returns:
        A :class:`CheckReport`; problems found are in ``report.problems``, never raised.

    Raises:
        OntologyError: HermiT could not run at all (no Java).
    """
    root = (path or ontology_file("provml.ttl")).resolve()
    report = CheckReport(ontology=str(root))
    try:
        closure = import_closure(root)
    except OntologyError as bad:
        report.problems.append(Problem("imports", str(root), str(bad)))
        return report
    report.imports = [iri for iri, _ in closure[:-1]]
    main_iri = closure[-1][0]
    store = load_ontology(path=root)
    main_graph = NamedNode(main_iri)
    report.problems.extend(_structural_problems(store, main_graph))
    for label, kind in (("classes", OWL.Class), ("object properties", OWL.ObjectProperty),
                        ("datatype properties", OWL.DatatypeProperty)):
        report.counts[label] = sum(
            1 for q in store.quads_for_pattern(None, RDF.type, kind, main_graph)
            if isinstance(q.subject, NamedNode)
        )

    if main_iri == PROVML_IRI and root == ontology_file("provml.ttl").resolve():
        owl_file = ontology_file("provml.owl") if (root.parent / "provml.owl").is_file() else None
        if owl_file is None:
            report.problems.append(Problem("rdfxml", "provml.owl", "is missing; run scripts/build_owl.py"))
        elif not same_graph(owl_file, root):
            report.problems.append(
                Problem("rdfxml", "provml.owl", "differs from provml.ttl; run scripts/build_owl.py")
            )

    if reasoner:
        # owlready2 prints warnings straight to stderr (for instance about PROV-O's own use of
        # prov:specializationOf as both annotation and object property); keep them as notes.
        chatter = io.StringIO()
        with contextlib.redirect_stderr(chatter):
            world, _ = load_owlready(root)
            consistent, unsatisfiable, seconds = run_hermit(world)
        report.notes.extend(line.strip() for line in chatter.getvalue().splitlines() if line.strip())
        report.consistent = consistent
        report.reasoner = "HermiT"
        report.reasoner_seconds = seconds
        if not consistent:
            report.problems.append(Problem("hermit", main_iri, "HermiT finds the ontology inconsistent"))
        for iri in unsatisfiable:
            report.problems.append(Problem("hermit", iri, "is unsatisfiable (equivalent to owl:Nothing)"))
    return report
