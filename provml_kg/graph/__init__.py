"""Graph construction: the pure mapping from provenance events to PROV-ML quads.

Events (:mod:`provml_kg.events`) become quads with deterministic IRIs (:func:`mint`), no blank
nodes, one named graph per workflow execution (:func:`workflow_graph`) and typed literals. Both
the PROV-O view and the ML Schema view are written out, so standard queries need no reasoner;
facts that need several events are added by the idempotent SPARQL updates of
:data:`MATERIALISE`. ``docs/graph.md`` has the mapping table.

>>> from provml_kg import graph
>>> quads = graph.event_quads({"v": 1, "k": "metric", "wf": "run1", "t": 0.0, "r": 0, "seq": 3,
...                             "exec": "ep0", "name": "loss", "value": 0.25})
>>> sorted({q.graph_name.value for q in quads})
['https://w3id.org/provml/id/graph/run1']
>>> store = graph.build_graph([])
>>> len(store)
0
"""

from provml_kg.graph.iri import (
    DATA_BASE,
    ONTOLOGY_GRAPH,
    datetime_literal,
    entity,
    execution,
    mint,
    scalar_literal,
    workflow_graph,
)
from provml_kg.graph.mapping import event_nquads, event_quads, events_to_quads
from provml_kg.graph.materialise import (
    MATERIALISE,
    Step,
    build_graph,
    materialisation_steps,
    materialisation_updates,
    materialise,
    run_step,
)
from provml_kg.graph.terms import SUPER_PROPERTIES, TYPES

__all__ = [
    "DATA_BASE", "ONTOLOGY_GRAPH", "MATERIALISE", "TYPES", "SUPER_PROPERTIES",
    "mint", "workflow_graph", "execution", "entity", "datetime_literal", "scalar_literal",
    "event_nquads", "event_quads", "events_to_quads", "Step", "materialisation_steps",
    "materialisation_updates",
    "run_step", "materialise", "build_graph",
]
