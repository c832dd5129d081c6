"""Facts that need more than one event, as idempotent SPARQL 1.1 updates over the named graphs.

:func:`provml_kg.graph.event_quads` maps each event on its own; after a batch is stored, the
updates here add what only the combination of events tells: the workflow execution's start, end
and status over its MPI ranks, prov:wasDerivedFrom and prov:wasInformedBy, the structure of the
plans (transformationOf, stageOf, sectionOf, mls:hasHyperParameter), the persona and machine of
every execution, and the ML Schema outputs of a run's sections. Running them twice changes
nothing. They contain no user strings: they match on ``GRAPH ?g`` for every workflow graph, or
on one graph IRI minted by :func:`provml_kg.graph.workflow_graph`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyoxigraph import NamedNode, Quad, Store

from provml_kg.errors import InputError
from provml_kg.graph.iri import DATA_BASE
from provml_kg.graph.mapping import events_to_quads

__all__ = ["MATERIALISE", "Step", "materialisation_steps", "materialisation_updates",
           "run_step", "materialise", "build_graph"]

_PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX mls: <http://www.w3.org/ns/mls#>
PREFIX provml: <https://w3id.org/provml#>
"""
_NAMESPACES = {"prov": "http://www.w3.org/ns/prov#", "mls": "http://www.w3.org/ns/mls#",
               "provml": "https://w3id.org/provml#"}


@dataclass(frozen=True)
class _Insert:
    """An insert-only rule: a template of triples in ``GRAPH ?g`` and the WHERE group body."""

    comment: str
    template: str
    where: str
    scoped: bool
    derived: bool = False  # an ingest adds these quads itself (provml_kg.graph.derive)

    @property
    def text(self) -> str:
        return (f"{self.comment}\nINSERT {{ GRAPH ?g {{ {self.template} }} }}\n"
                f"WHERE {{{self.where}}}")

    def triples(self) -> tuple[tuple[str, NamedNode, str], ...]:
        """The template as (subject variable, predicate, object variable), names without '?'."""
        out = []
        for group in self.template.split(" . "):
            subject, rest = group.split(" ", 1)
            for pair in rest.split(" ; "):
                predicate, obj = pair.split()
                prefix, local = predicate.split(":", 1)
                out.append((subject[1:], NamedNode(_NAMESPACES[prefix] + local), obj[1:]))
        return tuple(out)


# The rank activities of a workflow execution ?w are the parts that execute the same plan as ?w.
_OPS: tuple[tuple[str, bool] | _Insert, ...] = (
    # (text, scoped) or _Insert(..., scoped): scoped ops touch one graph ?g only and are
    # restricted to it at #SCOPE; the others join graphs (lineage across workflows) and always
    # run over all graphs. Insert-only rules are _Insert so that a local store can run them as
    # a SELECT and add the rows through its bulk path (SPARQL UPDATE inserts cost 2x more).
    ("""# workflow start = earliest rank start
DELETE { GRAPH ?g { ?w prov:startedAtTime ?old } }
INSERT { GRAPH ?g { ?w prov:startedAtTime ?start } }
WHERE {
  #SCOPE
  { SELECT ?g ?w (MIN(?t) AS ?start) WHERE {
      GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
                 ?rx provml:partOfExecution ?w ; provml:executesPlan ?p ; prov:startedAtTime ?t } }
    GROUP BY ?g ?w }
  OPTIONAL { GRAPH ?g { ?w prov:startedAtTime ?old } }
}""", True),
    ("""# a workflow execution with a rank still running has not ended
DELETE { GRAPH ?g { ?w prov:endedAtTime ?end ; provml:status ?status } }
WHERE {
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p ; prov:endedAtTime ?end .
             OPTIONAL { ?w provml:status ?status }
             ?rx provml:partOfExecution ?w ; provml:executesPlan ?p .
             FILTER NOT EXISTS { ?rx prov:endedAtTime ?any } }
}""", True),
    ("""# workflow end = latest rank end, once every rank (mpiSize of them when known) has ended
DELETE { GRAPH ?g { ?w prov:endedAtTime ?old } }
INSERT { GRAPH ?g { ?w prov:endedAtTime ?end } }
WHERE {
  #SCOPE
  { SELECT ?g ?w (MAX(?t) AS ?end) (COUNT(DISTINCT ?rx) AS ?ended) WHERE {
      GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
                 ?rx provml:partOfExecution ?w ; provml:executesPlan ?p ; prov:endedAtTime ?t } }
    GROUP BY ?g ?w }
  FILTER NOT EXISTS { GRAPH ?g { ?w provml:executesPlan ?p2 .
                                 ?rx2 provml:partOfExecution ?w ; provml:executesPlan ?p2 .
                                 FILTER NOT EXISTS { ?rx2 prov:endedAtTime ?any } } }
  OPTIONAL { GRAPH ?g { ?w provml:mpiSize ?size } }
  FILTER (!BOUND(?size) || ?ended >= ?size)
  OPTIONAL { GRAPH ?g { ?w prov:endedAtTime ?old } }
}""", True),
    ("""# workflow status: failed if any rank failed, else killed if any was killed, else finished
DELETE { GRAPH ?g { ?w provml:status ?old } }
INSERT { GRAPH ?g { ?w provml:status ?status } }
WHERE {
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p ; prov:endedAtTime ?end }
  BIND (EXISTS { GRAPH ?g { ?rf provml:partOfExecution ?w ; provml:executesPlan ?p ;
                                 provml:status "failed" } } AS ?failed)
  BIND (EXISTS { GRAPH ?g { ?rk provml:partOfExecution ?w ; provml:executesPlan ?p ;
                                 provml:status "killed" } } AS ?killed)
  BIND (IF(?failed, "failed", IF(?killed, "killed", "finished")) AS ?status)
  OPTIONAL { GRAPH ?g { ?w provml:status ?old } }
}""", True),
    _Insert("""# the errors of failed ranks are the workflow execution's errors""",
            "?w provml:errorType ?type ; provml:errorMessage ?message",
            """
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
             ?rx provml:partOfExecution ?w ; provml:executesPlan ?p ; provml:errorType ?type .
             OPTIONAL { ?rx provml:errorMessage ?message } }
""", True),
    _Insert("""# what an execution generated was derived from the data it used (parameter and
# hyperparameter values configure the execution: they stay prov:used, not derivation sources;
# prov:used comes first: Oxigraph joins in the written order and metrics make wasGeneratedBy big)""",
            "?out prov:wasDerivedFrom ?in",
            """
  #SCOPE
  GRAPH ?g { ?x prov:used ?in . ?out prov:wasGeneratedBy ?x . FILTER (?out != ?in)
             FILTER NOT EXISTS { ?in a provml:AttributeValue }
             FILTER NOT EXISTS { ?in a mls:HyperParameterSetting } }
""", True),
    _Insert("""# an execution that used what another generated was informed by it (across workflows too)""",
            "?user prov:wasInformedBy ?maker",
            """
  GRAPH ?g { ?user prov:used ?e }
  GRAPH ?g1 { ?e prov:wasGeneratedBy ?maker }
  FILTER (?user != ?maker)
""", False),
    _Insert("""# a workflow execution that used what another one generated was informed by it""",
            "?w prov:wasInformedBy ?w1",
            """
  GRAPH ?g { ?user prov:used ?e . ?w a provml:WorkflowExecution }
  GRAPH ?g1 { ?e prov:wasGeneratedBy ?maker . ?w1 a provml:WorkflowExecution }
  FILTER (?g != ?g1)
""", False),
    _Insert("""# the transformations a workflow execution ran are transformations of its workflow""",
            "?t provml:transformationOf ?p",
            """
  #SCOPE
  GRAPH ?g { ?x a provml:DataTransformationExecution ; provml:executesPlan ?t .
             ?w a provml:WorkflowExecution ; provml:executesPlan ?p }
""", True),
    _Insert("""# the learning stages a workflow execution ran are stages of its experiment""",
            "?s provml:stageOf ?e",
            """
  #SCOPE
  GRAPH ?g { ?x a provml:LearningStageExecution ; provml:executesPlan ?s .
             ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
             ?p provml:partOf ?e . ?e a provml:LearningExperiment }
""", True),
    _Insert("""# a section (epoch, fold) run inside a stage execution is a section of that stage
# (pairs of the few stage executions and section plans, each checked by its first section
# execution: 14x faster at 10M quads than joining every section execution)""",
            "?sp provml:sectionOf ?s",
            """
  #SCOPE
  GRAPH ?g { ?x a provml:LearningStageExecution ; provml:executesPlan ?s .
             ?sp a provml:LearningStageSection .
             FILTER EXISTS { ?sx provml:executesPlan ?sp ; provml:partOfExecution ?x ;
                                 a provml:LearningStageSectionExecution } }
""", True),
    _Insert("""# an implementation has the hyperparameters its runs were given""",
            "?i mls:hasHyperParameter ?h",
            """
  #SCOPE
  GRAPH ?g { ?x mls:executes ?i ; mls:hasInput ?v .
             ?v a mls:HyperParameterSetting ; mls:specifiedBy ?h }
""", True),
    _Insert("""# the persona of a workflow execution is associated with every execution inside it""",
            "?x prov:wasAssociatedWith ?person . ?a prov:agent ?person",
            """
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p ;
                prov:qualifiedAssociation ?wa .
             ?wa prov:agent ?person . ?person a provml:Persona .
             ?x provml:partOfExecution+ ?w ; prov:qualifiedAssociation ?a .
             FILTER NOT EXISTS { ?x provml:executesPlan ?p } }
""", True, derived=True),
    _Insert("""# an execution ran on the machine of its MPI rank""",
            "?x provml:ranOn ?m ; prov:wasAssociatedWith ?m",
            """
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
             ?rx provml:partOfExecution ?w ; provml:executesPlan ?p ; provml:mpiRank ?r ;
                 provml:ranOn ?m .
             ?x provml:partOfExecution+ ?w ; provml:mpiRank ?r .
             FILTER (?x != ?rx) }
""", True, derived=True),
    _Insert("""# an ML Schema run outputs what its sections (epochs, folds) output""",
            "?x mls:hasOutput ?o",
            """
  #SCOPE
  GRAPH ?g { ?x a mls:Run . ?sx provml:partOfExecution+ ?x ; mls:hasOutput ?o }
""", True, derived=True),
)

@dataclass(frozen=True)
class Step:
    """One materialisation rule, ready to run on a store.

    ``update`` is the rule as SPARQL 1.1 Update, for any store. For an insert-only rule,
    ``select`` is the same rule as a SELECT of ``?g`` and the template's variables, and
    ``template`` the (subject variable, predicate, object variable) triples to add per row in
    graph ``?g``: :func:`run_step` takes that route on a pyoxigraph store. ``derived`` rules
    are the ones an ingest applies on the way (:mod:`provml_kg.graph.derive`).
    """

    update: str
    select: str | None = None
    template: tuple[tuple[str, NamedNode, str], ...] = ()
    derived: bool = False


def _scope(text: str, graph: NamedNode | None) -> str:
    if graph is None:
        return _PREFIXES + text.replace("  #SCOPE\n", "")
    # Naming the graph in every GRAPH pattern (and binding ?g for the templates) lets Oxigraph
    # look at that graph only: 10-30x faster than a VALUES ?g join on a store of 100 workflows.
    return _PREFIXES + (text.replace("  #SCOPE\n", f"  BIND ({graph} AS ?g)\n")
                        .replace("GRAPH ?g {", f"GRAPH {graph} {{"))


def _step(op: tuple[str, bool] | _Insert, graph: NamedNode | None) -> Step:
    if isinstance(op, tuple):
        text, scoped = op
        return Step(_scope(text, graph if scoped else None))
    scope = graph if op.scoped else None
    triples = op.triples()
    names = dict.fromkeys(["g"] + [v for s, _, o in triples for v in (s, o)])
    projection = " ".join("?" + n for n in names)
    # Only the rows whose quads are not all there yet: decoding a row's terms is the costly
    # part (10 µs a term at 10M quads), and most were written by the ingest already
    # (provml_kg.graph.derive) or by an earlier run of the rule.
    where = f"{op.where}  FILTER NOT EXISTS {{ GRAPH ?g {{ {op.template} }} }}\n"
    select = f"{op.comment}\nSELECT DISTINCT {projection}\nWHERE {{{where}}}"
    return Step(_scope(op.text, scope), _scope(select, scope), triples, op.derived)


def materialisation_steps(graph: NamedNode | None = None) -> list[Step]:
    """Return the materialisation rules as :class:`Step` objects, in the order they must run.

    With ``graph`` (an IRI from :func:`provml_kg.graph.workflow_graph`) the per-graph rules
    are restricted to that graph; the rules that join graphs (prov:wasInformedBy across
    workflows) always cover every graph. The minted graph IRI is written into the text
    (``GRAPH <g>`` and ``BIND (<g> AS ?g)``): pyoxigraph's ``Store.update`` takes no
    substitutions, and the IRI is a validated ``NamedNode`` under :data:`DATA_BASE`, never a
    user string.

    Raises:
        InputError: ``graph`` is not a NamedNode minted under :data:`DATA_BASE`.
    """
    if graph is not None and (not isinstance(graph, NamedNode)
                              or not graph.value.startswith(DATA_BASE + "graph/")):
        raise InputError(f"graph {graph!r}: expected a NamedNode from workflow_graph()")
    return [_step(op, graph) for op in _OPS]


MATERIALISE: tuple[str, ...] = tuple(step.update for step in materialisation_steps())
"""The materialisation updates over every named graph, in the order they must run."""


def materialisation_updates(graph: NamedNode | None = None) -> list[tuple[str, dict[Any, Any]]]:
    """Return ``(update, substitutions)`` pairs to run, in order, after a batch is stored.

    The updates of :func:`materialisation_steps` (see there for ``graph``); the substitutions
    dict is always empty. Run each with ``store.update(text)`` or a SPARQL 1.1 Update endpoint.

    Raises:
        InputError: ``graph`` is not a NamedNode minted under :data:`DATA_BASE`.
    """
    return [(step.update, {}) for step in materialisation_steps(graph)]


# Below this many new quads, a transaction (Store.extend) beats writing new files to disk.
_BULK_QUADS = 20_000


def run_step(store: Store, step: Step) -> int:
    """Run ``step`` on a pyoxigraph ``store``; return the quads it asked to add (0 for updates).

    An insert-only rule runs as its SELECT and the rows go in through ``Store.extend`` (or the
    bulk path for many): the same quads as the UPDATE, about twice as fast. Bulk writes are not
    transactional; callers that must survive a crash record the workflows as still to
    materialise until every step has run (as :class:`provml_kg.store.KnowledgeGraph` does).

    Raises:
        OSError: the store could not be written.
    """
    if step.select is None:
        store.update(step.update)
        return 0
    rows = store.query(step.select)
    # Positions, not names: looking variables up by name costs a third of the Python time.
    column = {v.value: i for i, v in enumerate(rows.variables)}
    triples = [(column[s], p, column[o]) for s, p, o in step.template]
    g = column["g"]
    quads = [Quad(row[s], p, row[o], row[g])
             for row in rows
             for s, p, o in triples
             if row[s] is not None and row[o] is not None]
    if len(quads) >= _BULK_QUADS:
        store.bulk_extend(quads)
    elif quads:
        store.extend(quads)
    return len(quads)


def materialise(store: Store, graph: NamedNode | None = None) -> None:
    """Run the materialisation rules on a pyoxigraph ``store`` (all graphs, or ``graph``).

    Raises:
        InputError: ``graph`` is not a NamedNode from :func:`provml_kg.graph.workflow_graph`.
    """
    for step in materialisation_steps(graph):
        run_step(store, step)


def build_graph(events: Iterable[Mapping[str, Any]]) -> Store:
    """Return an in-memory store holding the quads of ``events`` with the materialisation applied.

    A convenience for tests and small scripts; :class:`provml_kg.store.KnowledgeGraph` does the
    same at scale.

    Raises:
        EventValidationError: an event is malformed.
    """
    store = Store()
    store.extend(list(events_to_quads(events)))
    materialise(store)
    return store
