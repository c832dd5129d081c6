"""PROV interoperability: a workflow as a W3C PROV document (PROV-JSON, PROV-N); PROV-O import.

Export goes through the ``prov`` package, so any PROV tool can read the result::

    >>> from provml_kg import graph, interop
    >>> doc = interop.to_prov_document(graph.events_to_quads([]), "wf-1")
    >>> interop.serialize(doc, "provn").splitlines()[0]
    'document'

Import reads PROV-O RDF written by other tools (the ``prov`` package's RDF serializer, hand
written Turtle...) into quads in a workflow-style named graph, with blank nodes replaced by
minted IRIs and the PROV-O facts that standard queries need made explicit (``prov:used`` from
a qualified usage, ``prov:Activity`` from ``prov:startedAtTime``, ``prov:Agent`` from
``prov:Person``...).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pyoxigraph import BlankNode, NamedNode, Quad, Store

from provml_kg.errors import InputError, UnknownFormatError
from provml_kg.graph import DATA_BASE, TYPES, mint, workflow_graph
from provml_kg.vocab import MLS, PROV, PROVML, RDF, RDFS, XSD

__all__ = ["to_prov_document", "serialize", "export_workflow", "import_prov_rdf", "PROV_FORMATS"]

PROV_FORMATS = ("json", "provn")
"""Formats :func:`serialize` writes: PROV-JSON and PROV-N."""

_PREFIXES = (("id", DATA_BASE), ("provml", PROVML.iri), ("mls", MLS.iri))
_CORE = {PROV.Activity, PROV.Entity, PROV.Agent}
_INFLUENCE = {PROV.Association, PROV.Usage, PROV.Generation, PROV.Role, PROV.Influence,
              PROV.InstantaneousEvent, PROV.EntityInfluence, PROV.ActivityInfluence,
              PROV.AgentInfluence, PROV.Location}
# properties folded into PROV relations (or times) rather than written as attributes
_RELATIONS = {PROV.used, PROV.wasGeneratedBy, PROV.wasAssociatedWith, PROV.qualifiedAssociation,
              PROV.qualifiedUsage, PROV.qualifiedGeneration, PROV.wasDerivedFrom,
              PROV.wasInformedBy, PROV.wasInfluencedBy, PROV.startedAtTime, PROV.endedAtTime,
              PROV.generatedAtTime, RDF.type, RDFS.label, PROV.atLocation, PROV.value}


# ---------------------------------------------------------------- export
class _Names:
    """IRIs -> prov QualifiedNames, declaring a namespace per new IRI prefix (ns1, ns2...)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.spaces = [doc.add_namespace(prefix, iri) for prefix, iri in _PREFIXES]

    def __call__(self, iri: str) -> Any:
        import prov.model as pm

        if iri.startswith(PROV.iri):
            return pm.PROV[iri[len(PROV.iri):]]
        for space in self.spaces:
            if iri.startswith(space.uri) and len(iri) > len(space.uri):
                return space[iri[len(space.uri):]]
        cut = max(iri.rfind("#"), iri.rfind("/")) + 1
        if cut <= 0 or cut == len(iri):
            raise InputError(f"cannot write IRI {iri!r} as a PROV qualified name")
        space = self.doc.add_namespace(f"ns{len(self.spaces) - len(_PREFIXES) + 1}", iri[:cut])
        self.spaces.append(space)
        return space[iri[cut:]]


def _value(term: Any, names: _Names) -> Any:
    import prov.model as pm

    if isinstance(term, NamedNode):
        return names(term.value)
    datatype = term.datatype
    if datatype == XSD.dateTime:
        return datetime.fromisoformat(term.value.replace("Z", "+00:00"))
    if datatype == XSD.integer:
        return int(term.value)
    if datatype == XSD.boolean:
        return term.value == "true"
    if datatype == XSD.double:
        number = float(term.value.replace("INF", "inf"))
        return number if math.isfinite(number) else pm.Literal(term.value, pm.XSD_DOUBLE)
    if datatype == XSD.string:
        return term.value
    return pm.Literal(term.value, names(datatype.value))


def _quads(source: Any, graph: NamedNode) -> list[Quad]:
    store = source if isinstance(source, Store) else getattr(source, "store", None)
    if isinstance(store, Store):
        if not store.contains_named_graph(graph):
            raise InputError(f"no workflow graph {graph} in the store")
        return list(store.quads_for_pattern(None, None, None, graph))
    if isinstance(source, Iterable):
        return [q for q in source if q.graph_name == graph]
    raise InputError(f"cannot read quads from a {type(source).__name__}; expected a pyoxigraph "
                     "Store, a KnowledgeGraph or quads")


def to_prov_document(source: Any, workflow: str) -> Any:
    """Return the provenance of workflow execution ``workflow`` as a ``prov.model.ProvDocument``.

    ``source`` is a ``pyoxigraph.Store``, a :class:`provml_kg.store.KnowledgeGraph` or an
    iterable of quads. Activities, entities (plans included, ``prov:type prov:Plan``) and agents
    become records with their PROV-ML / ML Schema types as ``prov:type`` and their other
    properties as attributes; qualified usages, generations and associations become ``used``,
    ``wasGeneratedBy`` and ``wasAssociatedWith`` with their time, role and plan.

    Raises:
        InputError: the store has no graph for ``workflow`` or ``source`` is of an unknown kind.
    """
    import prov.model as pm

    graph = workflow_graph(workflow)
    by_subject: dict[Any, list[tuple[NamedNode, Any]]] = defaultdict(list)
    for q in _quads(source, graph):
        by_subject[q.subject].append((q.predicate, q.object))
    doc = pm.ProvDocument()
    names = _Names(doc)
    types = {s: {o for p, o in po if p == RDF.type} for s, po in by_subject.items()}

    def props(s: Any, p: NamedNode) -> list[Any]:
        return sorted((o for pp, o in by_subject.get(s, ()) if pp == p), key=str)

    def first(s: Any, p: NamedNode) -> Any:
        found = props(s, p)
        return _value(found[0], names) if found else None

    def attributes(s: Any) -> list[tuple[Any, Any]]:
        out = [(pm.PROV_TYPE, names(t.value)) for t in sorted(types[s], key=str)
               if t not in _CORE]
        out += [(pm.PROV_LABEL, o.value) for o in props(s, RDFS.label)]
        out += [(pm.PROV_LOCATION, names(o.value)) for o in props(s, PROV.atLocation)]
        out += [(pm.PROV_VALUE, _value(o, names)) for o in props(s, PROV.value)]
        for p, o in sorted(by_subject[s], key=str):
            if p not in _RELATIONS:
                out.append((names(p.value), _value(o, names)))
        return out

    subjects = sorted(by_subject, key=str)
    for s in subjects:
        kinds = types[s]
        if kinds & _INFLUENCE or not isinstance(s, NamedNode):
            continue
        if PROV.Activity in kinds:
            doc.activity(names(s.value), first(s, PROV.startedAtTime),
                         first(s, PROV.endedAtTime), attributes(s))
        elif PROV.Agent in kinds:
            doc.agent(names(s.value), attributes(s))
        elif PROV.Entity in kinds:
            doc.entity(names(s.value), attributes(s))
    for s in subjects:
        sid = names(s.value)
        covered: dict[NamedNode, set[Any]] = defaultdict(set)
        for u in props(s, PROV.qualifiedUsage):
            used = props(u, PROV.entity)
            if used:
                covered[PROV.used].add(used[0])
                role = props(u, PROV.hadRole)
                doc.used(sid, names(used[0].value), first(u, PROV.atTime), names(u.value),
                         [(pm.PROV_ROLE, names(role[0].value))] if role else None)
        for g in props(s, PROV.qualifiedGeneration):
            maker = props(g, PROV.activity)
            if maker:
                covered[PROV.wasGeneratedBy].add(maker[0])
                role = props(g, PROV.hadRole)
                doc.wasGeneratedBy(sid, names(maker[0].value), first(g, PROV.atTime),
                                   names(g.value),
                                   [(pm.PROV_ROLE, names(role[0].value))] if role else None)
        for a in props(s, PROV.qualifiedAssociation):
            plan = first(a, PROV.hadPlan)
            agents = props(a, PROV.agent)
            covered[PROV.wasAssociatedWith].update(agents)
            for agent in agents or [None]:
                doc.wasAssociatedWith(sid, names(agent.value) if agent else None, plan,
                                      names(a.value) if len(agents) <= 1 else None)
        for o in props(s, PROV.used):
            if o not in covered[PROV.used]:
                doc.used(sid, names(o.value))
        for o in props(s, PROV.wasGeneratedBy):
            if o not in covered[PROV.wasGeneratedBy]:
                doc.wasGeneratedBy(sid, names(o.value), first(s, PROV.generatedAtTime))
        for o in props(s, PROV.wasAssociatedWith):
            if o not in covered[PROV.wasAssociatedWith]:
                doc.wasAssociatedWith(sid, names(o.value))
        for o in props(s, PROV.wasDerivedFrom):
            doc.wasDerivedFrom(sid, names(o.value))
        for o in props(s, PROV.wasInformedBy):
            doc.wasInformedBy(sid, names(o.value))
        for o in props(s, PROV.wasInfluencedBy):
            doc.wasInfluencedBy(sid, names(o.value))
    return doc


def serialize(doc: Any, format: str = "json") -> str:
    """Return a ``ProvDocument`` as PROV-JSON (``json``) or PROV-N (``provn``).

    Raises:
        UnknownFormatError: another format.
    """
    if format == "provn":
        return str(doc.get_provn())
    if format == "json":
        return str(doc.serialize(format="json", indent=2))
    raise UnknownFormatError(f"unknown PROV format {format!r}; use one of "
                             f"{', '.join(PROV_FORMATS)}")


def export_workflow(source: Any, workflow: str, format: str = "json") -> str:
    """Return workflow execution ``workflow`` of ``source`` as PROV-JSON or PROV-N."""
    return serialize(to_prov_document(source, workflow), format)


# ---------------------------------------------------------------- import
_SUPERCLASSES = {PROV.Person: (PROV.Agent,), PROV.Organization: (PROV.Agent,),
                 PROV.SoftwareAgent: (PROV.Agent,), PROV.Plan: (PROV.Entity,),
                 PROV.Collection: (PROV.Entity,), PROV.Bundle: (PROV.Entity,),
                 PROV.EmptyCollection: (PROV.Collection, PROV.Entity)}
# property -> (class of subject, class of object)
_DOMAIN_RANGE = {
    PROV.used: (PROV.Activity, PROV.Entity), PROV.wasGeneratedBy: (PROV.Entity, PROV.Activity),
    PROV.wasDerivedFrom: (PROV.Entity, PROV.Entity),
    PROV.wasInformedBy: (PROV.Activity, PROV.Activity),
    PROV.wasAssociatedWith: (PROV.Activity, PROV.Agent),
    PROV.wasAttributedTo: (PROV.Entity, PROV.Agent),
    PROV.actedOnBehalfOf: (PROV.Agent, PROV.Agent),
    PROV.wasStartedBy: (PROV.Activity, PROV.Entity), PROV.wasEndedBy: (PROV.Activity, PROV.Entity),
    PROV.startedAtTime: (PROV.Activity, None), PROV.endedAtTime: (PROV.Activity, None),
    PROV.generatedAtTime: (PROV.Entity, None), PROV.invalidatedAtTime: (PROV.Entity, None),
    PROV.hadPlan: (None, PROV.Plan),
}
# qualified property -> (property of the influence node naming the influencer, unqualified form)
_QUALIFIED = {
    PROV.qualifiedUsage: (PROV.entity, PROV.used),
    PROV.qualifiedGeneration: (PROV.activity, PROV.wasGeneratedBy),
    PROV.qualifiedAssociation: (PROV.agent, PROV.wasAssociatedWith),
    PROV.qualifiedDerivation: (PROV.entity, PROV.wasDerivedFrom),
    PROV.qualifiedCommunication: (PROV.activity, PROV.wasInformedBy),
    PROV.qualifiedAttribution: (PROV.agent, PROV.wasAttributedTo),
    PROV.qualifiedDelegation: (PROV.agent, PROV.actedOnBehalfOf),
    PROV.qualifiedStart: (PROV.entity, PROV.wasStartedBy),
    PROV.qualifiedEnd: (PROV.entity, PROV.wasEndedBy),
}
_SUBPROPERTIES = {PROV.wasRevisionOf: PROV.wasDerivedFrom, PROV.wasQuotedFrom: PROV.wasDerivedFrom,
                  PROV.hadPrimarySource: PROV.wasDerivedFrom}


def import_prov_rdf(data: str | bytes, format: str, *, name: str | None = None) -> list[Quad]:
    """Return the quads of a PROV-O RDF document written by another tool, ready to store.

    ``format`` is an RDF format name or extension (``ttl``, ``xml``, ``nt``, ``jsonld``,
    ``trig``...). Everything goes into the named graph ``workflow_graph(name)`` (default
    ``import-<16 hex of the content's sha256>``), so the imported provenance is listed and
    exported like a workflow; the named graphs of a dataset format (TriG, N-Quads) are merged
    into it. Blank nodes become IRIs minted from ``name`` and their order of
    appearance (the same document always gives the same quads). Added, so that standard PROV
    queries answer without a reasoner: the unqualified form of every qualified influence
    (``prov:used`` for a ``prov:qualifiedUsage``...), ``prov:wasDerivedFrom`` for revisions,
    quotations and primary sources, ``prov:wasGeneratedBy`` for ``prov:generated``, and the
    ``rdf:type`` that the domain and range of PROV properties and the superclasses imply.

    Raises:
        UnknownFormatError: the format is unknown.
        InputError: the data does not parse, or ``name`` is not a valid id.
    """
    from pyoxigraph import parse

    from provml_kg.events import check_id
    from provml_kg.formats import rdf_format

    fmt = rdf_format(format)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    wf = check_id("name", name) if name is not None else (
        "import-" + hashlib.sha256(raw).hexdigest()[:16])
    graph = workflow_graph(wf)
    skolem: dict[str, NamedNode] = {}

    def iri(term: Any) -> Any:
        if isinstance(term, BlankNode):
            node = skolem.get(term.value)
            if node is None:
                node = skolem[term.value] = mint("import", wf, f"b{len(skolem)}")
            return node
        return term

    try:
        triples = [(iri(t.subject), t.predicate, iri(t.object)) for t in parse(raw, fmt)]
    except (SyntaxError, ValueError) as bad:
        raise InputError(f"cannot parse the PROV document as {fmt.name}: {bad}") from None
    by_subject: dict[Any, dict[NamedNode, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in triples:
        by_subject[s][p].append(o)
    added: list[tuple[Any, NamedNode, Any]] = []
    for s, p, o in triples:
        if p in _QUALIFIED:
            via, plain = _QUALIFIED[p]
            added.extend((s, plain, target) for target in by_subject[o].get(via, ()))
        elif p in _SUBPROPERTIES:
            added.append((s, _SUBPROPERTIES[p], o))
        elif p == PROV.generated and isinstance(o, NamedNode):
            added.append((o, PROV.wasGeneratedBy, s))
    typed: list[tuple[Any, NamedNode, Any]] = []
    for s, p, o in triples + added:
        domain, range_ = _DOMAIN_RANGE.get(p, (None, None))
        if domain is not None:
            typed.append((s, RDF.type, domain))
        if range_ is not None and isinstance(o, NamedNode):
            typed.append((o, RDF.type, range_))
    closure: list[tuple[Any, NamedNode, Any]] = []
    for s, p, o in triples + added + typed:
        if p == RDF.type:
            closure.extend((s, RDF.type, c) for c in _SUPERCLASSES.get(o, ()))
            closure.extend((s, RDF.type, c) for c in TYPES.get(o, ())[1:])
    seen: set[Quad] = set()
    out: list[Quad] = []
    for s, p, o in triples + added + typed + closure:
        quad = Quad(s, p, o, graph)
        if quad not in seen:
            seen.add(quad)
            out.append(quad)
    return out
