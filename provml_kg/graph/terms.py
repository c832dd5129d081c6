"""Vocabulary terms the graph builder writes, as ready ``NamedNode`` constants.

``TYPES[cls]`` is the tuple of every named class an instance of ``cls`` belongs to under the
ontology's subclass axioms (PROV-ML, its PROV-O/ML Schema alignment, PROV-O and ML Schema), so
the builder writes them all and PROV-O or ML Schema queries need no reasoner. A test keeps the
tuples equal to the closure computed from ``ontology/``.
"""

from __future__ import annotations

from types import MappingProxyType

from pyoxigraph import NamedNode

from provml_kg.vocab import MLS, PROV, PROVML, RDF, RDFS

A = RDF["type"]
LABEL = RDFS["label"]


def _closure(*names: str) -> tuple[NamedNode, ...]:
    spaces = {"provml": PROVML, "prov": PROV, "mls": MLS}
    out = []
    for name in names:
        prefix, local = name.split(":")
        out.append(spaces[prefix][local])
    return tuple(out)


# class -> itself and every named superclass (checked against the ontology by tests/test_graph.py)
_TYPE_TABLE: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "provml:Workflow": ("prov:Plan", "prov:Entity"),
    "provml:DataTransformation": ("prov:Plan", "prov:Entity"),
    "provml:WorkflowExecution": ("prov:Activity",),
    "provml:DataTransformationExecution": ("prov:Activity",),
    "provml:Attribute": ("prov:Entity",),
    "provml:AttributeValue": ("prov:Entity",),
    "provml:Study": ("mls:Study", "mls:Process", "prov:Plan", "prov:Entity"),
    "provml:LearningExperiment": ("mls:Experiment", "mls:Process", "prov:Plan", "prov:Entity"),
    "provml:Training": ("provml:LearningStage", "provml:BaseLearningStage", "prov:Plan",
                        "prov:Entity"),
    "provml:Validation": ("provml:LearningStage", "provml:BaseLearningStage", "prov:Plan",
                          "prov:Entity"),
    "provml:Evaluation": ("provml:LearningStage", "provml:BaseLearningStage", "prov:Plan",
                          "prov:Entity"),
    "provml:LearningStageSection": ("provml:BaseLearningStage", "prov:Plan", "prov:Entity"),
    "provml:TrainingExecution": ("provml:LearningStageExecution", "mls:Run", "mls:Process",
                                 "prov:Activity"),
    "provml:ValidationExecution": ("provml:LearningStageExecution", "mls:Run", "mls:Process",
                                   "prov:Activity"),
    "provml:EvaluationExecution": ("provml:LearningStageExecution", "mls:Run", "mls:Process",
                                   "prov:Activity"),
    "provml:LearningStageSectionExecution": ("prov:Activity",),
    "provml:LearningTask": ("mls:Task", "mls:InformationEntity", "prov:Entity"),
    "provml:Algorithm": ("mls:Algorithm", "mls:InformationEntity", "prov:Entity"),
    "provml:LearningHyperparameter": ("mls:HyperParameter", "mls:InformationEntity",
                                      "prov:Entity"),
    "provml:ModelHyperparameter": ("mls:HyperParameter", "mls:InformationEntity", "prov:Entity"),
    "provml:LearningHyperparameterValue": ("mls:HyperParameterSetting", "mls:InformationEntity",
                                           "prov:Entity"),
    "provml:ModelHyperparameterValue": ("mls:HyperParameterSetting", "mls:InformationEntity",
                                        "prov:Entity"),
    "provml:FeatureSet": ("prov:Entity",),
    "provml:FeatureSetData": ("mls:Dataset", "mls:Data", "mls:InformationEntity", "prov:Entity"),
    "provml:Feature": ("mls:Feature", "mls:Data", "mls:InformationEntity", "prov:Entity"),
    "provml:DatasetCharacteristic": ("mls:DatasetCharacteristic", "mls:DataCharacteristic",
                                     "mls:Quality", "prov:Entity"),
    "provml:Model": ("mls:Model", "mls:InformationEntity", "prov:Entity"),
    "provml:ModelEvaluation": ("mls:ModelEvaluation", "mls:InformationEntity", "prov:Entity"),
    "provml:EvaluationMeasure": ("mls:EvaluationMeasure", "mls:InformationEntity",
                                 "prov:Entity"),
    "provml:EvaluationProcedure": ("mls:EvaluationProcedure", "mls:InformationEntity",
                                   "prov:Entity"),
    "provml:DataStore": ("prov:Location",),
    "provml:DataReference": ("prov:Entity",),
    "provml:Persona": ("prov:Person", "prov:Agent"),
    "provml:Machine": ("prov:Agent",),
    "mls:Dataset": ("mls:Data", "mls:InformationEntity", "prov:Entity"),
    "mls:Implementation": ("mls:InformationEntity", "prov:Plan", "prov:Entity"),
    "prov:SoftwareAgent": ("prov:Agent",),
    "prov:Activity": (),
    "prov:Entity": (),
    "prov:Role": (),
    "prov:Association": ("prov:AgentInfluence", "prov:Influence"),
    "prov:Usage": ("prov:EntityInfluence", "prov:InstantaneousEvent", "prov:Influence"),
    "prov:Generation": ("prov:ActivityInfluence", "prov:InstantaneousEvent", "prov:Influence"),
})

TYPES: MappingProxyType[NamedNode, tuple[NamedNode, ...]] = MappingProxyType({
    _closure(cls)[0]: _closure(cls, *supers) for cls, supers in _TYPE_TABLE.items()
})
"""Class -> (class, *every named superclass): what :func:`provml_kg.graph` writes as rdf:type."""

# Properties whose PROV-O super-property the builder also writes (no reasoner needed).
SUPER_PROPERTIES: MappingProxyType[NamedNode, NamedNode] = MappingProxyType({
    PROVML.ranOn: PROV.wasAssociatedWith,
    PROVML.hadStore: PROV.atLocation,
    PROVML.evaluatedModel: PROV.wasDerivedFrom,
    PROVML.evaluatedOn: PROV.wasDerivedFrom,
    PROVML.hadProcedure: PROV.wasInfluencedBy,
    PROVML.hadDataRelationship: PROV.wasInfluencedBy,
})
"""PROV-ML property -> its PROV-O super-property; both are written."""
