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

# ---------------------------------------------------------------- terms bound once for the builder
# (attribute access on a closed namespace checks the term list: too slow per quad)

P_USED, P_GEN_BY, P_ASSOC, P_QASSOC = (PROV.used, PROV.wasGeneratedBy, PROV.wasAssociatedWith,
                                       PROV.qualifiedAssociation)
P_AGENT, P_HADPLAN, P_START, P_END = PROV.agent, PROV.hadPlan, PROV.startedAtTime, PROV.endedAtTime
P_DERIVED, P_QUSAGE, P_QGEN, P_ENTITY = (PROV.wasDerivedFrom, PROV.qualifiedUsage,
                                         PROV.qualifiedGeneration, PROV.entity)
P_ACTIVITY, P_ROLE, P_ATTIME, P_VALUE = PROV.activity, PROV.hadRole, PROV.atTime, PROV.value
P_GENTIME, P_INFLUENCED = PROV.generatedAtTime, PROV.wasInfluencedBy
M_EXECUTES, M_INPUT, M_OUTPUT, M_REALIZES = MLS.executes, MLS.hasInput, MLS.hasOutput, MLS.realizes
M_ACHIEVES, M_SPEC, M_VALUE, M_IMPLEMENTS = (MLS.achieves, MLS.specifiedBy, MLS.hasValue,
                                             MLS.implements)
M_QUALITY = MLS.hasQuality
X_PLAN, X_PARTOF, X_PART, X_STATUS = (PROVML.executesPlan, PROVML.partOfExecution, PROVML.partOf,
                                      PROVML.status)
X_ERRTYPE, X_ERRMSG, X_RANK, X_SIZE = (PROVML.errorType, PROVML.errorMessage, PROVML.mpiRank,
                                       PROVML.mpiSize)
X_DEVICE, X_HOST, X_RANON, X_VERSION = (PROVML.device, PROVML.hostName, PROVML.ranOn,
                                        PROVML.softwareVersion)
X_EXPOF, X_TRANSOF, X_ATTR, X_INDEX = (PROVML.experimentOf, PROVML.transformationOf,
                                       PROVML.hasAttribute, PROVML.sectionIndex)
X_STEP, X_EVMODEL, X_EVON, X_PROC = (PROVML.step, PROVML.evaluatedModel, PROVML.evaluatedOn,
                                     PROVML.hadProcedure)
X_STORE, X_DATAID, X_STYPE, X_SURI = (PROVML.hadStore, PROVML.dataIdentifier, PROVML.storeType,
                                      PROVML.storeUri)
X_HASH, X_SIZEB, X_PATH, X_FRAMEWORK = (PROVML.contentHash, PROVML.byteSize, PROVML.filePath,
                                        PROVML.framework)
X_ROWS, X_ROLE, X_FEATURE, X_CHAR = (PROVML.numberOfInstances, PROVML.personaRole,
                                     PROVML.hasFeature, PROVML.hasCharacteristic)
X_DATAREL, X_STAGEOF, X_DATAATTR = (PROVML.hadDataRelationship, PROVML.stageOf,
                                    PROVML.dataAttribute)
P_LOCATION = SUPER_PROPERTIES[X_STORE]

T_WORKFLOW = TYPES[PROVML.Workflow]
T_WFEXEC = TYPES[PROVML.WorkflowExecution]
T_ACTIVITY = TYPES[PROV.Activity]
T_TRANSFORMATION = TYPES[PROVML.DataTransformation]
T_TRANSEXEC = TYPES[PROVML.DataTransformationExecution]
T_ATTRIBUTE = TYPES[PROVML.Attribute]
T_ATTRVALUE = TYPES[PROVML.AttributeValue]
T_STUDY = TYPES[PROVML.Study]
T_EXPERIMENT = TYPES[PROVML.LearningExperiment]
T_SECTION = TYPES[PROVML.LearningStageSection]
T_SECEXEC = TYPES[PROVML.LearningStageSectionExecution]
T_TASK = TYPES[PROVML.LearningTask]
T_ALGORITHM = TYPES[PROVML.Algorithm]
T_IMPLEMENTATION = TYPES[MLS.Implementation]
T_FEATURESET = TYPES[PROVML.FeatureSet]
T_FEATURE = TYPES[PROVML.Feature]
T_CHARACTERISTIC = TYPES[PROVML.DatasetCharacteristic]
T_MODEL = TYPES[PROVML.Model]
T_EVALUATION = TYPES[PROVML.ModelEvaluation]
T_MEASURE = TYPES[PROVML.EvaluationMeasure]
T_PROCEDURE = TYPES[PROVML.EvaluationProcedure]
T_STORE = TYPES[PROVML.DataStore]
T_DATAREF = TYPES[PROVML.DataReference]
T_PERSONA = TYPES[PROVML.Persona]
T_MACHINE = TYPES[PROVML.Machine]
T_SOFTWARE = TYPES[PROV.SoftwareAgent]
T_ASSOCIATION = TYPES[PROV.Association]
T_USAGE = TYPES[PROV.Usage]
T_GENERATION = TYPES[PROV.Generation]
T_ROLE = TYPES[PROV.Role]
T_ENTITY = TYPES[PROV.Entity]

STAGE_PLAN = MappingProxyType({
    "training": TYPES[PROVML.Training], "validation": TYPES[PROVML.Validation],
    "evaluation": TYPES[PROVML.Evaluation]})
STAGE_EXEC = MappingProxyType({
    "training": TYPES[PROVML.TrainingExecution], "validation": TYPES[PROVML.ValidationExecution],
    "evaluation": TYPES[PROVML.EvaluationExecution]})
HP_TYPES = MappingProxyType({
    "learning": (TYPES[PROVML.LearningHyperparameter], TYPES[PROVML.LearningHyperparameterValue]),
    "model": (TYPES[PROVML.ModelHyperparameter], TYPES[PROVML.ModelHyperparameterValue])})
ENTITY_TYPES = MappingProxyType({
    "dataset": TYPES[MLS.Dataset], "feature_set": TYPES[PROVML.FeatureSetData],
    "file": T_DATAREF, "domain": T_DATAREF, "value": T_ENTITY, "model": T_MODEL})
ROLE_NAMES = MappingProxyType({
    "dataset": "dataset", "feature_set": "feature-set", "file": "file", "domain": "domain-data",
    "value": "value", "model": "model"})
SPEC_STAGES = ("training", "validation", "evaluation")
