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
from typing import Any

from pyoxigraph import NamedNode, Store

from provml_kg.errors import InputError
from provml_kg.graph.iri import DATA_BASE
from provml_kg.graph.mapping import events_to_quads

__all__ = ["MATERIALISE", "materialisation_updates", "materialise", "build_graph"]

_PREFIXES = """PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX mls: <http://www.w3.org/ns/mls#>
PREFIX provml: <https://w3id.org/provml#>
"""

# The rank activities of a workflow execution ?w are the parts that execute the same plan as ?w.
_OPS: tuple[tuple[str, bool], ...] = (
    # (text, scoped): scoped ops touch one graph ?g only and are restricted to it at #SCOPE;
    # the others join graphs (lineage across workflows) and always run over all graphs.
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
    ("""# the errors of failed ranks are the workflow execution's errors
INSERT { GRAPH ?g { ?w provml:errorType ?type ; provml:errorMessage ?message } }
WHERE {
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
             ?rx provml:partOfExecution ?w ; provml:executesPlan ?p ; provml:errorType ?type .
             OPTIONAL { ?rx provml:errorMessage ?message } }
}""", True),
    ("""# what an execution generated was derived from the data it used (parameter and
# hyperparameter values configure the execution: they stay prov:used, not derivation sources;
# prov:used comes first: Oxigraph joins in the written order and metrics make wasGeneratedBy big)
INSERT { GRAPH ?g { ?out prov:wasDerivedFrom ?in } }
WHERE {
  #SCOPE
  GRAPH ?g { ?x prov:used ?in . ?out prov:wasGeneratedBy ?x . FILTER (?out != ?in)
             FILTER NOT EXISTS { ?in a provml:AttributeValue }
             FILTER NOT EXISTS { ?in a mls:HyperParameterSetting } }
}""", True),
    ("""# an execution that used what another generated was informed by it (across workflows too)
INSERT { GRAPH ?g { ?user prov:wasInformedBy ?maker } }
WHERE {
  GRAPH ?g { ?user prov:used ?e }
  GRAPH ?g1 { ?e prov:wasGeneratedBy ?maker }
  FILTER (?user != ?maker)
}""", False),
    ("""# a workflow execution that used what another one generated was informed by it
INSERT { GRAPH ?g { ?w prov:wasInformedBy ?w1 } }
WHERE {
  GRAPH ?g { ?user prov:used ?e . ?w a provml:WorkflowExecution }
  GRAPH ?g1 { ?e prov:wasGeneratedBy ?maker . ?w1 a provml:WorkflowExecution }
  FILTER (?g != ?g1)
}""", False),
    ("""# the transformations a workflow execution ran are transformations of its workflow
INSERT { GRAPH ?g { ?t provml:transformationOf ?p } }
WHERE {
  #SCOPE
  GRAPH ?g { ?x a provml:DataTransformationExecution ; provml:executesPlan ?t .
             ?w a provml:WorkflowExecution ; provml:executesPlan ?p }
}""", True),
    ("""# the learning stages a workflow execution ran are stages of its experiment
INSERT { GRAPH ?g { ?s provml:stageOf ?e } }
WHERE {
  #SCOPE
  GRAPH ?g { ?x a provml:LearningStageExecution ; provml:executesPlan ?s .
             ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
             ?p provml:partOf ?e . ?e a provml:LearningExperiment }
}""", True),
    ("""# a section (epoch, fold) run inside a stage execution is a section of that stage
INSERT { GRAPH ?g { ?sp provml:sectionOf ?s } }
WHERE {
  #SCOPE
  GRAPH ?g { ?sx a provml:LearningStageSectionExecution ; provml:executesPlan ?sp ;
                 provml:partOfExecution ?x .
             ?x a provml:LearningStageExecution ; provml:executesPlan ?s }
}""", True),
    ("""# an implementation has the hyperparameters its runs were given
INSERT { GRAPH ?g { ?i mls:hasHyperParameter ?h } }
WHERE {
  #SCOPE
  GRAPH ?g { ?x mls:executes ?i ; mls:hasInput ?v .
             ?v a mls:HyperParameterSetting ; mls:specifiedBy ?h }
}""", True),
    ("""# the persona of a workflow execution is associated with every execution inside it
INSERT { GRAPH ?g { ?x prov:wasAssociatedWith ?person . ?a prov:agent ?person } }
WHERE {
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p ;
                prov:qualifiedAssociation ?wa .
             ?wa prov:agent ?person . ?person a provml:Persona .
             ?x provml:partOfExecution+ ?w ; prov:qualifiedAssociation ?a .
             FILTER NOT EXISTS { ?x provml:executesPlan ?p } }
}""", True),
    ("""# an execution ran on the machine of its MPI rank
INSERT { GRAPH ?g { ?x provml:ranOn ?m ; prov:wasAssociatedWith ?m } }
WHERE {
  #SCOPE
  GRAPH ?g { ?w a provml:WorkflowExecution ; provml:executesPlan ?p .
             ?rx provml:partOfExecution ?w ; provml:executesPlan ?p ; provml:mpiRank ?r ;
                 provml:ranOn ?m .
             ?x provml:partOfExecution+ ?w ; provml:mpiRank ?r .
             FILTER (?x != ?rx) }
}""", True),
    ("""# an ML Schema run outputs what its sections (epochs, folds) output
INSERT { GRAPH ?g { ?x mls:hasOutput ?o } }
WHERE {
  #SCOPE
  GRAPH ?g { ?x a mls:Run . ?sx provml:partOfExecution+ ?x ; mls:hasOutput ?o }
}""", True),
)

MATERIALISE: tuple[str, ...] = tuple(_PREFIXES + text.replace("  #SCOPE\n", "")
                                     for text, _ in _OPS)
"""The materialisation updates over every named graph, in the order they must run."""


def materialisation_updates(graph: NamedNode | None = None) -> list[tuple[str, dict[Any, Any]]]:
    """Return ``(update, substitutions)`` pairs to run, in order, after a batch is stored.

    With ``graph`` (an IRI from :func:`provml_kg.graph.workflow_graph`) the per-graph updates
    are restricted to that graph; the updates that join graphs (prov:wasInformedBy across
    workflows) always cover every graph. The substitutions dict is always empty: pyoxigraph's
    ``Store.update`` takes none, so the minted graph IRI is written into the text
    (``GRAPH <g>`` and ``BIND (<g> AS ?g)``; it is a validated ``NamedNode`` under
    :data:`DATA_BASE`, never a user string). Run each with ``store.update(text)`` (or a SPARQL
    1.1 Update endpoint).

    Raises:
        InputError: ``graph`` is not a NamedNode minted under :data:`DATA_BASE`.
    """
    if graph is None:
        return [(text, {}) for text in MATERIALISE]
    if not isinstance(graph, NamedNode) or not graph.value.startswith(DATA_BASE + "graph/"):
        raise InputError(f"graph {graph!r}: expected a NamedNode from workflow_graph()")
    # Naming the graph in every GRAPH pattern (and binding ?g for the templates) lets Oxigraph
    # look at that graph only: 10-30x faster than a VALUES ?g join on a store of 100 workflows.
    bind = f"  BIND ({graph} AS ?g)\n"
    named = f"GRAPH {graph} {{"
    return [(_PREFIXES + (text.replace("  #SCOPE\n", bind).replace("GRAPH ?g {", named)
                          if scoped else text.replace("  #SCOPE\n", "")), {})
            for text, scoped in _OPS]


def materialise(store: Store, graph: NamedNode | None = None) -> None:
    """Run :func:`materialisation_updates` on a pyoxigraph ``store`` (all graphs, or ``graph``)."""
    for text, _ in materialisation_updates(graph):
        store.update(text)


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
