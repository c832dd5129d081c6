"""Vocabulary terms the graph builder writes, as ready N-Quads text (``<iri>``) constants.

``TYPES[cls]`` is the tuple of every named class an instance of ``cls`` belongs to under the
ontology's subclass axioms (PROV-ML, its PROV-O/ML Schema alignment, PROV-O and ML Schema), so
the builder writes them all and PROV-O or ML Schema queries need no reasoner. A test keeps the
tuples equal to the closure computed from ``ontology/``.
"""

from __future__ import annotations

from types import MappingProxyType

from pyoxigraph import NamedNode

from provml_kg.vocab import MLS, PROV, PROVML, RDF, RDFS

A = str(RDF["type"])
LABEL = str(RDFS["label"])


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


def _texts(*nodes: NamedNode) -> tuple[str, ...]:
    return tuple(map(str, nodes))


def _types(cls: NamedNode) -> tuple[str, ...]:
    return _texts(*TYPES[cls])


P_USED, P_GEN_BY, P_ASSOC, P_QASSOC = _texts(PROV.used, PROV.wasGeneratedBy,
                                             PROV.wasAssociatedWith, PROV.qualifiedAssociation)
P_AGENT, P_HADPLAN, P_START, P_END = _texts(PROV.agent, PROV.hadPlan, PROV.startedAtTime,
                                            PROV.endedAtTime)
P_DERIVED, P_QUSAGE, P_QGEN, P_ENTITY = _texts(PROV.wasDerivedFrom, PROV.qualifiedUsage,
                                               PROV.qualifiedGeneration, PROV.entity)
P_ACTIVITY, P_ROLE, P_ATTIME, P_VALUE = _texts(PROV.activity, PROV.hadRole, PROV.atTime,
                                               PROV.value)
P_GENTIME, P_INFLUENCED, P_LOCATION = _texts(PROV.generatedAtTime, PROV.wasInfluencedBy,
                                             SUPER_PROPERTIES[PROVML.hadStore])
M_EXECUTES, M_INPUT, M_OUTPUT, M_REALIZES = _texts(MLS.executes, MLS.hasInput, MLS.hasOutput,
                                                   MLS.realizes)
M_ACHIEVES, M_SPEC, M_VALUE, M_IMPLEMENTS = _texts(MLS.achieves, MLS.specifiedBy, MLS.hasValue,
                                                   MLS.implements)
(M_QUALITY,) = _texts(MLS.hasQuality)
X_PLAN, X_PARTOF, X_PART, X_STATUS = _texts(PROVML.executesPlan, PROVML.partOfExecution,
                                            PROVML.partOf, PROVML.status)
X_ERRTYPE, X_ERRMSG, X_RANK, X_SIZE = _texts(PROVML.errorType, PROVML.errorMessage,
                                             PROVML.mpiRank, PROVML.mpiSize)
X_DEVICE, X_HOST, X_RANON, X_VERSION = _texts(PROVML.device, PROVML.hostName, PROVML.ranOn,
                                              PROVML.softwareVersion)
X_EXPOF, X_TRANSOF, X_ATTR, X_INDEX = _texts(PROVML.experimentOf, PROVML.transformationOf,
                                             PROVML.hasAttribute, PROVML.sectionIndex)
X_STEP, X_EVMODEL, X_EVON, X_PROC = _texts(PROVML.step, PROVML.evaluatedModel,
                                           PROVML.evaluatedOn, PROVML.hadProcedure)
X_STORE, X_DATAID, X_STYPE, X_SURI = _texts(PROVML.hadStore, PROVML.dataIdentifier,
                                            PROVML.storeType, PROVML.storeUri)
X_HASH, X_SIZEB, X_PATH, X_FRAMEWORK = _texts(PROVML.contentHash, PROVML.byteSize,
                                              PROVML.filePath, PROVML.framework)
X_ROWS, X_ROLE, X_FEATURE, X_CHAR = _texts(PROVML.numberOfInstances, PROVML.personaRole,
                                           PROVML.hasFeature, PROVML.hasCharacteristic)
X_DATAREL, X_STAGEOF, X_DATAATTR = _texts(PROVML.hadDataRelationship, PROVML.stageOf,
                                          PROVML.dataAttribute)

T_WORKFLOW = _types(PROVML.Workflow)
T_WFEXEC = _types(PROVML.WorkflowExecution)
T_ACTIVITY = _types(PROV.Activity)
T_TRANSFORMATION = _types(PROVML.DataTransformation)
T_TRANSEXEC = _types(PROVML.DataTransformationExecution)
T_ATTRIBUTE = _types(PROVML.Attribute)
T_ATTRVALUE = _types(PROVML.AttributeValue)
T_STUDY = _types(PROVML.Study)
T_EXPERIMENT = _types(PROVML.LearningExperiment)
T_SECTION = _types(PROVML.LearningStageSection)
T_SECEXEC = _types(PROVML.LearningStageSectionExecution)
T_TASK = _types(PROVML.LearningTask)
T_ALGORITHM = _types(PROVML.Algorithm)
T_IMPLEMENTATION = _types(MLS.Implementation)
T_FEATURESET = _types(PROVML.FeatureSet)
T_FEATURE = _types(PROVML.Feature)
T_CHARACTERISTIC = _types(PROVML.DatasetCharacteristic)
T_MODEL = _types(PROVML.Model)
T_EVALUATION = _types(PROVML.ModelEvaluation)
T_MEASURE = _types(PROVML.EvaluationMeasure)
T_PROCEDURE = _types(PROVML.EvaluationProcedure)
T_STORE = _types(PROVML.DataStore)
T_DATAREF = _types(PROVML.DataReference)
T_PERSONA = _types(PROVML.Persona)
T_MACHINE = _types(PROVML.Machine)
T_SOFTWARE = _types(PROV.SoftwareAgent)
T_ASSOCIATION = _types(PROV.Association)
T_USAGE = _types(PROV.Usage)
T_GENERATION = _types(PROV.Generation)
T_ROLE = _types(PROV.Role)
T_ENTITY = _types(PROV.Entity)

STAGE_PLAN = MappingProxyType({
    "training": _types(PROVML.Training), "validation": _types(PROVML.Validation),
    "evaluation": _types(PROVML.Evaluation)})
STAGE_EXEC = MappingProxyType({
    "training": _types(PROVML.TrainingExecution), "validation": _types(PROVML.ValidationExecution),
    "evaluation": _types(PROVML.EvaluationExecution)})
HP_TYPES = MappingProxyType({
    "learning": (_types(PROVML.LearningHyperparameter),
                 _types(PROVML.LearningHyperparameterValue)),
    "model": (_types(PROVML.ModelHyperparameter), _types(PROVML.ModelHyperparameterValue))})
ENTITY_TYPES = MappingProxyType({
    "dataset": _types(MLS.Dataset), "feature_set": _types(PROVML.FeatureSetData),
    "file": T_DATAREF, "domain": T_DATAREF, "value": T_ENTITY, "model": T_MODEL})
ROLE_NAMES = MappingProxyType({
    "dataset": "dataset", "feature_set": "feature-set", "file": "file", "domain": "domain-data",
    "value": "value", "model": "model"})
SPEC_STAGES = ("training", "validation", "evaluation")
