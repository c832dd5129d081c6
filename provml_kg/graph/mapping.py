"""The pure mapping from one provenance event to its quads (docs/graph.md has the table).

Every function here takes an event dict (as :func:`provml_kg.events.validate` returns it) and
returns a list of ``pyoxigraph.Quad`` in the named graph of the event's workflow execution. No
state, no I/O: the same event always gives the same quads, so re-ingesting never adds anything.
Facts that need more than one event (workflow times over MPI ranks, derivations, plan
structure) are left to :mod:`provml_kg.graph.materialise`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from provml_kg import events as _events
from provml_kg.errors import EventValidationError
from provml_kg.graph.iri import (
    XSD_ANYURI,
    datetime_literal,
    double_literal,
    entity,
    execution,
    integer_literal,
    mint,
    scalar_literal,
    workflow_graph,
)
from provml_kg.graph.terms import LABEL, SUPER_PROPERTIES, TYPES, A
from provml_kg.vocab import MLS, PROV, PROVML

__all__ = ["event_quads", "events_to_quads"]

_A = A

# terms, bound once (attribute access on closed namespaces checks the term list)
P_USED, P_GEN_BY, P_ASSOC, P_QASSOC = (PROV.used, PROV.wasGeneratedBy, PROV.wasAssociatedWith,
                                       PROV.qualifiedAssociation)
P_AGENT, P_HADPLAN, P_START, P_END = PROV.agent, PROV.hadPlan, PROV.startedAtTime, PROV.endedAtTime
P_DERIVED, P_QUSAGE, P_QGEN, P_ENTITY = (PROV.wasDerivedFrom, PROV.qualifiedUsage,
                                         PROV.qualifiedGeneration, PROV.entity)
P_ACTIVITY, P_ROLE, P_ATTIME, P_VALUE = PROV.activity, PROV.hadRole, PROV.atTime, PROV.value
P_GENTIME, P_INFLUENCED = PROV.generatedAtTime, PROV.wasInfluencedBy
M_EXECUTES, M_INPUT, M_OUTPUT, M_REALIZES = MLS.executes, MLS.hasInput, MLS.hasOutput, MLS.realizes
M_ACHIEVES, M_SPEC, M_VALUE, M_IMPLEMENTS = MLS.achieves, MLS.specifiedBy, MLS.hasValue, MLS.implements
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

STAGE_PLAN = {"training": TYPES[PROVML.Training], "validation": TYPES[PROVML.Validation],
              "evaluation": TYPES[PROVML.Evaluation]}
STAGE_EXEC = {"training": TYPES[PROVML.TrainingExecution],
              "validation": TYPES[PROVML.ValidationExecution],
              "evaluation": TYPES[PROVML.EvaluationExecution]}
HP_TYPES = {"learning": (TYPES[PROVML.LearningHyperparameter],
                         TYPES[PROVML.LearningHyperparameterValue]),
            "model": (TYPES[PROVML.ModelHyperparameter], TYPES[PROVML.ModelHyperparameterValue])}
ENTITY_TYPES = {"dataset": TYPES[MLS.Dataset], "feature_set": TYPES[PROVML.FeatureSetData],
                "file": T_DATAREF, "domain": T_DATAREF, "value": T_ENTITY, "model": T_MODEL}
ROLE_NAMES = {"dataset": "dataset", "feature_set": "feature-set", "file": "file",
              "domain": "domain-data", "value": "value", "model": "model"}
SPEC_STAGES = ("training", "validation", "evaluation")

# attribute names that are absolute IRIs become properties of the domain reference (domain
# ontologies declare them sub-properties of provml:dataAttribute, which is written too)
_IRI_NAME = re.compile(r"(https?://|urn:)[^\s<>\"{}|\\^`]+")

Out = list[Quad]


def _types(out: Out, node: NamedNode, types: tuple[NamedNode, ...], g: NamedNode) -> None:
    for cls in types:
        out.append(Quad(node, _A, cls, g))


def _plan(out: Out, node: NamedNode, types: tuple[NamedNode, ...], name: str,
          g: NamedNode) -> None:
    _types(out, node, types, g)
    out.append(Quad(node, LABEL, Literal(name), g))


def transformation_plan(name: str) -> NamedNode:
    """Return the IRI of the data transformation (plan) called ``name``."""
    return mint("transformation", name)


def stage_plan(stage: str, name: str) -> NamedNode:
    """Return the IRI of the learning stage (plan) ``name`` of kind ``stage``."""
    return mint("stage", stage, name)


def experiment_plan(study: str | None, name: str) -> NamedNode:
    """Return the IRI of a learning experiment, scoped by its study when one is named."""
    return mint("experiment", study, name) if study else mint("experiment", name)


def _ended(out: Out, e: Mapping[str, Any], node: NamedNode, g: NamedNode) -> None:
    out.append(Quad(node, P_END, datetime_literal(e["t"]), g))
    out.append(Quad(node, X_STATUS, Literal(e.get("status") or "finished"), g))
    error = e.get("error")
    if error:
        out.append(Quad(node, X_ERRTYPE, Literal(error["type"]), g))
        out.append(Quad(node, X_ERRMSG, Literal(error.get("message") or error["type"]), g))


def _started(out: Out, e: Mapping[str, Any], node: NamedNode, plan: NamedNode, wf: str,
             exec_id: str, g: NamedNode) -> None:
    """The common part of task, stage and section starts."""
    out.append(Quad(node, P_START, datetime_literal(e["t"]), g))
    out.append(Quad(node, X_PLAN, plan, g))
    out.append(Quad(node, X_RANK, integer_literal(e.get("r", 0)), g))
    out.append(Quad(node, X_PARTOF, execution(wf, e.get("parent") or wf), g))
    assoc = mint("association", wf, exec_id, "plan")
    out.append(Quad(node, P_QASSOC, assoc, g))
    _types(out, assoc, T_ASSOCIATION, g)
    out.append(Quad(assoc, P_HADPLAN, plan, g))


def _attribute_values(out: Out, wf: str, exec_id: str, node: NamedNode, plan: NamedNode,
                      plan_kind: str, plan_name: str, params: Mapping[str, Any],
                      g: NamedNode) -> None:
    for name, value in params.items():
        if value is None:
            continue
        attribute = mint("attribute", plan_kind, plan_name, name)
        _plan(out, attribute, T_ATTRIBUTE, name, g)
        out.append(Quad(plan, X_ATTR, attribute, g))
        av = mint("attribute-value", wf, exec_id, name)
        _types(out, av, T_ATTRVALUE, g)
        out.append(Quad(av, M_SPEC, attribute, g))
        out.append(Quad(av, M_VALUE, scalar_literal(value), g))
        out.append(Quad(node, P_USED, av, g))


def _role(out: Out, name: str, g: NamedNode) -> NamedNode:
    role = mint("role", name)
    _plan(out, role, T_ROLE, name, g)
    return role


def _use_or_generate(out: Out, e: Mapping[str, Any], wf: str, exec_id: str, target_id: str,
                     role_name: str, role: str, g: NamedNode) -> None:
    """An execution used or generated ``target``: plain and qualified PROV, and the MLS view."""
    act = execution(wf, exec_id)
    target = entity(target_id)
    role_node = _role(out, role_name, g)
    if role == "used":
        out.append(Quad(act, P_USED, target, g))
        out.append(Quad(act, M_INPUT, target, g))
        usage = mint("usage", wf, exec_id, target_id)
        out.append(Quad(act, P_QUSAGE, usage, g))
        _types(out, usage, T_USAGE, g)
        out.append(Quad(usage, P_ENTITY, target, g))
        out.append(Quad(usage, P_ROLE, role_node, g))
        out.append(Quad(usage, P_ATTIME, datetime_literal(e["t"]), g))
    else:
        out.append(Quad(target, P_GEN_BY, act, g))
        out.append(Quad(act, M_OUTPUT, target, g))
        gen = mint("generation", wf, exec_id, target_id)
        out.append(Quad(target, P_QGEN, gen, g))
        _types(out, gen, T_GENERATION, g)
        out.append(Quad(gen, P_ACTIVITY, act, g))
        out.append(Quad(gen, P_ROLE, role_node, g))
        out.append(Quad(gen, P_ATTIME, datetime_literal(e["t"]), g))


def _derived(out: Out, node: NamedNode, sources: Iterable[str] | None, g: NamedNode) -> None:
    for source in sources or ():
        out.append(Quad(node, P_DERIVED, entity(source), g))


# ---------------------------------------------------------------- one function per kind
def _workflow_start(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    wf, rank = e["wf"], e.get("r", 0)
    w = execution(wf, wf)
    plan = mint("workflow", e["name"])
    rx = mint("rank-execution", wf, str(rank))
    _types(out, w, T_WFEXEC, g)
    out.append(Quad(w, X_PLAN, plan, g))
    _plan(out, plan, T_WORKFLOW, e["name"], g)
    _types(out, rx, T_ACTIVITY, g)
    out.append(Quad(rx, X_PARTOF, w, g))
    out.append(Quad(rx, X_PLAN, plan, g))
    out.append(Quad(rx, X_RANK, integer_literal(rank), g))
    out.append(Quad(rx, P_START, datetime_literal(e["t"]), g))
    study, experiment = e.get("study"), e.get("experiment")
    if study:
        s = mint("study", study)
        _plan(out, s, T_STUDY, study, g)
        if not experiment:
            out.append(Quad(plan, X_PART, s, g))
    if experiment:
        x = experiment_plan(study, experiment)
        _plan(out, x, T_EXPERIMENT, experiment, g)
        out.append(Quad(plan, X_PART, x, g))
        if study:
            out.append(Quad(x, X_EXPOF, s, g))
            out.append(Quad(x, X_PART, s, g))
    # the plan of each activity, with the persona / machine as agent when known
    w_assoc = mint("association", wf, wf, "plan")
    r_assoc = mint("association", wf, "rank", str(rank), "plan")
    for act, assoc in ((w, w_assoc), (rx, r_assoc)):
        out.append(Quad(act, P_QASSOC, assoc, g))
        _types(out, assoc, T_ASSOCIATION, g)
        out.append(Quad(assoc, P_HADPLAN, plan, g))
    persona = e.get("persona")
    if persona:
        p = mint("persona", persona["name"])
        _plan(out, p, T_PERSONA, persona["name"], g)
        if persona.get("role"):
            out.append(Quad(p, X_ROLE, Literal(persona["role"]), g))
        out.append(Quad(w, P_ASSOC, p, g))
        out.append(Quad(w_assoc, P_AGENT, p, g))
    env = e.get("env")
    if env:
        host = env["host"]
        machine = mint("machine", host)
        _plan(out, machine, T_MACHINE, host, g)
        out.append(Quad(machine, X_HOST, Literal(host), g))
        out.append(Quad(r_assoc, P_AGENT, machine, g))
        for act in (rx, w):
            out.append(Quad(act, X_RANON, machine, g))
            out.append(Quad(act, P_ASSOC, machine, g))
        out.append(Quad(rx, X_HOST, Literal(host), g))
        out.append(Quad(w, X_SIZE, integer_literal(env.get("size", 1)), g))
        if env.get("device"):
            out.append(Quad(rx, X_DEVICE, Literal(env["device"]), g))
        if env.get("python"):
            python = mint("software", "python", env["python"])
            _plan(out, python, T_SOFTWARE, "Python", g)
            out.append(Quad(python, X_VERSION, Literal(env["python"]), g))
            out.append(Quad(w, P_ASSOC, python, g))
            out.append(Quad(rx, P_ASSOC, python, g))
            assoc = mint("association", wf, "rank", str(rank), "software")
            out.append(Quad(rx, P_QASSOC, assoc, g))
            _types(out, assoc, T_ASSOCIATION, g)
            out.append(Quad(assoc, P_AGENT, python, g))
            out.append(Quad(assoc, P_HADPLAN, plan, g))
        for dist, version in (env.get("packages") or {}).items():
            package = mint("software", dist, version)
            _plan(out, package, T_SOFTWARE, dist, g)
            out.append(Quad(package, X_VERSION, Literal(version), g))
            out.append(Quad(rx, P_ASSOC, package, g))
    for step in e.get("spec") or ():
        kind = step["type"]
        if kind == "transformation":
            node = transformation_plan(step["name"])
            _plan(out, node, T_TRANSFORMATION, step["name"], g)
            out.append(Quad(node, X_TRANSOF, plan, g))
            for attr in step.get("attributes") or ():
                attribute = mint("attribute", "transformation", step["name"], attr)
                _plan(out, attribute, T_ATTRIBUTE, attr, g)
                out.append(Quad(node, X_ATTR, attribute, g))
        elif kind in SPEC_STAGES:
            node = stage_plan(kind, step["name"])
            _plan(out, node, STAGE_PLAN[kind], step["name"], g)
            if experiment:
                out.append(Quad(node, X_STAGEOF, experiment_plan(study, experiment), g))
    if e.get("params"):
        _attribute_values(out, wf, wf, w, plan, "workflow", e["name"], e["params"], g)
    return out


def _workflow_end(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    _ended(out, e, mint("rank-execution", e["wf"], str(e.get("r", 0))), g)
    return out


def _task_start(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    wf, exec_id, name = e["wf"], e["id"], e["name"]
    node = execution(wf, exec_id)
    plan = transformation_plan(name)
    _types(out, node, T_TRANSEXEC, g)
    _plan(out, plan, T_TRANSFORMATION, name, g)
    _started(out, e, node, plan, wf, exec_id, g)
    if e.get("params"):
        _attribute_values(out, wf, exec_id, node, plan, "transformation", name, e["params"], g)
    return out


def _end(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    _ended(out, e, execution(e["wf"], e["id"]), g)
    return out


def _stage_start(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    wf, exec_id, stage, name = e["wf"], e["id"], e["stage"], e["name"]
    node = execution(wf, exec_id)
    plan = stage_plan(stage, name)
    _types(out, node, STAGE_EXEC[stage], g)
    _plan(out, plan, STAGE_PLAN[stage], name, g)
    _started(out, e, node, plan, wf, exec_id, g)
    implementation = e.get("implementation")
    impl = None
    if implementation:
        version = implementation.get("version")
        impl_name = implementation["name"]
        impl = mint("implementation", impl_name, version) if version else mint(
            "implementation", impl_name)
        _plan(out, impl, T_IMPLEMENTATION, impl_name, g)
        if version:
            out.append(Quad(impl, X_VERSION, Literal(version), g))
        out.append(Quad(node, M_EXECUTES, impl, g))
        assoc = mint("association", wf, exec_id, "implementation")
        out.append(Quad(node, P_QASSOC, assoc, g))
        _types(out, assoc, T_ASSOCIATION, g)
        out.append(Quad(assoc, P_HADPLAN, impl, g))
    if e.get("algorithm"):
        algorithm = mint("algorithm", e["algorithm"])
        _plan(out, algorithm, T_ALGORITHM, e["algorithm"], g)
        out.append(Quad(node, M_REALIZES, algorithm, g))
        if impl is not None:
            out.append(Quad(impl, M_IMPLEMENTS, algorithm, g))
    if e.get("task"):
        task = mint("learning-task", e["task"])
        _plan(out, task, T_TASK, e["task"], g)
        out.append(Quad(node, M_ACHIEVES, task, g))
    return out


def _section_start(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    wf, exec_id = e["wf"], e["id"]
    node = execution(wf, exec_id)
    plan = mint("section", e["section"])
    _types(out, node, T_SECEXEC, g)
    _plan(out, plan, T_SECTION, e["section"], g)
    _started(out, e, node, plan, wf, exec_id, g)
    out.append(Quad(node, X_INDEX, integer_literal(e["index"]), g))
    return out


def _hyperparameters(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    wf, exec_id, scope = e["wf"], e["exec"], e["scope"]
    node = execution(wf, exec_id)
    hp_types, value_types = HP_TYPES[scope]
    for name, value in e["values"].items():
        if value is None:
            continue
        hp = mint("hyperparameter", scope, name)
        _plan(out, hp, hp_types, name, g)
        setting = mint("hyperparameter-value", wf, exec_id, scope, name)
        _types(out, setting, value_types, g)
        out.append(Quad(setting, M_SPEC, hp, g))
        out.append(Quad(setting, M_VALUE, scalar_literal(value), g))
        out.append(Quad(node, M_INPUT, setting, g))
        out.append(Quad(node, P_USED, setting, g))
    return out


def _metric(e: Mapping[str, Any], g: NamedNode) -> Out:
    wf = e["wf"]
    node = execution(wf, e["exec"])
    me = mint("evaluation", wf, str(e.get("r", 0)), str(e["seq"]))
    measure = mint("measure", e["name"])
    out: Out = [Quad(me, _A, cls, g) for cls in T_EVALUATION]
    out.extend(Quad(measure, _A, cls, g) for cls in T_MEASURE)
    out.append(Quad(measure, LABEL, Literal(e["name"]), g))
    out.append(Quad(me, M_SPEC, measure, g))
    out.append(Quad(me, M_VALUE, double_literal(e["value"]), g))
    out.append(Quad(me, P_GEN_BY, node, g))
    out.append(Quad(me, P_GENTIME, datetime_literal(e["t"]), g))
    out.append(Quad(node, M_OUTPUT, me, g))
    if e.get("step") is not None:
        out.append(Quad(me, X_STEP, integer_literal(e["step"]), g))
    if e.get("model"):
        model = entity(e["model"])
        out.append(Quad(me, X_EVMODEL, model, g))
        out.append(Quad(me, P_DERIVED, model, g))
    for data_id in e.get("data") or ():
        data = entity(data_id)
        out.append(Quad(me, X_EVON, data, g))
        out.append(Quad(me, P_DERIVED, data, g))
    if e.get("procedure"):
        procedure = mint("procedure", e["procedure"])
        _plan(out, procedure, T_PROCEDURE, e["procedure"], g)
        out.append(Quad(me, X_PROC, procedure, g))
        out.append(Quad(me, P_INFLUENCED, procedure, g))
    return out


def _data(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    ent = e["entity"]
    kind, entity_id = ent["type"], ent["id"]
    node = entity(entity_id)
    _plan(out, node, ENTITY_TYPES[kind], ent["name"], g)
    if ent.get("path"):
        out.append(Quad(node, X_PATH, Literal(ent["path"]), g))
        if kind in ("file", "domain"):
            out.append(Quad(node, X_DATAID, Literal(ent["path"]), g))
    if ent.get("uri"):
        out.append(Quad(node, X_DATAID, Literal(ent["uri"]), g))
    if ent.get("hash"):
        out.append(Quad(node, X_HASH, Literal(ent["hash"]), g))
    if ent.get("size") is not None:
        out.append(Quad(node, X_SIZEB, integer_literal(ent["size"]), g))
    if ent.get("rows") is not None:
        out.append(Quad(node, X_ROWS, integer_literal(ent["rows"]), g))
    if kind == "value" and ent.get("value") is not None:
        out.append(Quad(node, P_VALUE, scalar_literal(ent["value"]), g))
    if ent.get("features"):
        feature_set = mint("feature-set", entity_id)
        _plan(out, feature_set, T_FEATURESET, ent["name"], g)
        out.append(Quad(node, M_SPEC, feature_set, g))
        for feature_name in ent["features"]:
            feature = mint("feature", feature_name)
            _plan(out, feature, T_FEATURE, feature_name, g)
            out.append(Quad(feature_set, X_FEATURE, feature, g))
    for name, value in (ent.get("characteristics") or {}).items():
        if value is None:
            continue
        characteristic = mint("characteristic", entity_id, name)
        _plan(out, characteristic, T_CHARACTERISTIC, name, g)
        out.append(Quad(characteristic, M_VALUE, scalar_literal(value), g))
        out.append(Quad(node, X_CHAR, characteristic, g))
        out.append(Quad(node, M_QUALITY, characteristic, g))
    _use_or_generate(out, e, e["wf"], e["exec"], entity_id, ROLE_NAMES[kind], e["role"], g)
    _derived(out, node, e.get("derived_from"), g)
    return out


def _model(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    node = entity(e["id"])
    _plan(out, node, T_MODEL, e["name"], g)
    if e.get("path"):
        out.append(Quad(node, X_PATH, Literal(e["path"]), g))
    if e.get("hash"):
        out.append(Quad(node, X_HASH, Literal(e["hash"]), g))
    if e.get("size") is not None:
        out.append(Quad(node, X_SIZEB, integer_literal(e["size"]), g))
    if e.get("framework"):
        out.append(Quad(node, X_FRAMEWORK, Literal(e["framework"]), g))
    _use_or_generate(out, e, e["wf"], e["exec"], e["id"], "model", "generated", g)
    _derived(out, node, e.get("derived_from"), g)
    return out


def _domain_ref(e: Mapping[str, Any], g: NamedNode) -> Out:
    out: Out = []
    ref_id = e["id"]
    node = entity(ref_id)
    _types(out, node, T_DATAREF, g)
    out.append(Quad(node, LABEL, Literal(e["identifier"]), g))
    if e.get("class"):
        try:
            domain_class = NamedNode(e["class"])
        except ValueError:
            raise EventValidationError(
                f"domain_ref.class: got {e['class']!r}; expected an absolute IRI") from None
        out.append(Quad(node, _A, domain_class, g))
    store = e["store"]
    store_node = mint("store", store["id"])
    _plan(out, store_node, T_STORE, store["id"], g)
    out.append(Quad(store_node, X_STYPE, Literal(store["type"]), g))
    if store.get("uri"):
        out.append(Quad(store_node, X_SURI, Literal(store["uri"], datatype=XSD_ANYURI), g))
    out.append(Quad(node, X_STORE, store_node, g))
    out.append(Quad(node, P_LOCATION, store_node, g))
    out.append(Quad(node, X_DATAID, Literal(e["identifier"]), g))
    for name, value in (e.get("attributes") or {}).items():
        if value is None:
            continue
        if _IRI_NAME.fullmatch(name):
            try:
                prop = NamedNode(name)
            except ValueError:
                pass
            else:
                literal = scalar_literal(value)
                out.append(Quad(node, prop, literal, g))
                out.append(Quad(node, X_DATAATTR, literal, g))
                continue
        attribute = mint("attribute", "domain", name)
        _plan(out, attribute, T_ATTRIBUTE, name, g)
        av = mint("domain-attribute-value", ref_id, name)
        _types(out, av, T_ATTRVALUE, g)
        out.append(Quad(av, M_SPEC, attribute, g))
        out.append(Quad(av, M_VALUE, scalar_literal(value), g))
        out.append(Quad(av, X_DATAREL, node, g))
        out.append(Quad(av, P_INFLUENCED, node, g))
    for other in e.get("related_to") or ():
        target = entity(other)
        out.append(Quad(node, X_DATAREL, target, g))
        out.append(Quad(node, P_INFLUENCED, target, g))
    if e.get("exec") and e.get("role"):
        _use_or_generate(out, e, e["wf"], e["exec"], ref_id, "domain-data", e["role"], g)
    return out


_BUILDERS: Mapping[str, Callable[[Mapping[str, Any], NamedNode], Out]] = {
    "workflow_start": _workflow_start,
    "workflow_end": _workflow_end,
    "task_start": _task_start,
    "task_end": _end,
    "stage_start": _stage_start,
    "stage_end": _end,
    "section_start": _section_start,
    "section_end": _end,
    "hyperparameters": _hyperparameters,
    "metric": _metric,
    "data": _data,
    "model": _model,
    "domain_ref": _domain_ref,
}


def event_quads(event: Mapping[str, Any]) -> list[Quad]:
    """Return the quads of one event, all in the named graph of its workflow execution.

    Pure and deterministic: the same event always gives the same quads (no blank nodes; IRIs
    minted from the event's stable keys). ``event`` should be a dict as
    :func:`provml_kg.events.validate` returns it; it is not re-validated on the fast path, but a
    malformed event is validated before any error is reported.

    Raises:
        EventValidationError: the event is malformed (names the field and the bad value).
    """
    try:
        builder = _BUILDERS[event["k"]]
        return builder(event, workflow_graph(event["wf"]))
    except EventValidationError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as failure:
        _events.validate(event, strict=False)  # raises a precise EventValidationError
        raise EventValidationError(
            f"event {dict(event)!r:.200}: cannot be mapped to RDF ({failure!r})") from failure


def events_to_quads(events: Iterable[Mapping[str, Any]]) -> Iterator[Quad]:
    """Yield the quads of every event in order (the streaming form of :func:`event_quads`).

    Raises:
        EventValidationError: at the first malformed event.
    """
    for event in events:
        yield from event_quads(event)
