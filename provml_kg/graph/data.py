"""Mappers of the data events: hyperparameters, metrics, data, models, domain references."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from provml_kg.errors import EventValidationError
from provml_kg.graph.iri import (
    XSD_ANYURI, datetime_literal, double_literal, entity, execution, integer_literal, mint,
    scalar_literal, shared,
)
from provml_kg.graph.nodes import (
    Out, add_derivations, add_named, add_types, add_use_or_generation,
)
from provml_kg.graph.terms import (
    ENTITY_TYPES, HP_TYPES, LABEL, M_INPUT, M_OUTPUT, M_QUALITY, M_SPEC, M_VALUE, P_DERIVED,
    P_GENTIME, P_GEN_BY, P_INFLUENCED, P_LOCATION, P_USED, P_VALUE, ROLE_NAMES, T_ATTRIBUTE,
    T_ATTRVALUE, T_CHARACTERISTIC, T_DATAREF, T_EVALUATION, T_FEATURE, T_FEATURESET,
    T_MEASURE, T_MODEL, T_PROCEDURE, T_STORE, X_CHAR, X_DATAATTR, X_DATAID, X_DATAREL,
    X_EVMODEL, X_EVON, X_FEATURE, X_FRAMEWORK, X_HASH, X_PATH, X_PROC, X_ROWS, X_SIZEB,
    X_STEP, X_STORE, X_STYPE, X_SURI,
)
from provml_kg.graph.terms import A as _A

# attribute names that are absolute IRIs become properties of the domain reference (domain
# ontologies declare them sub-properties of provml:dataAttribute, which is written too)
_IRI_NAME = re.compile(r"(https?://|urn:)[^\s<>\"{}|\\^`]+")


def hyperparameters(e: Mapping[str, Any], g: NamedNode) -> Out:
    """Hyperparameter settings (mls:HyperParameterSetting) an execution used."""
    out: Out = []
    wf, exec_id, scope = e["wf"], e["exec"], e["scope"]
    node = execution(wf, exec_id)
    hp_types, value_types = HP_TYPES[scope]
    for name, value in e["values"].items():
        if value is None:
            continue
        hp = mint("hyperparameter", scope, name)
        add_named(out, hp, hp_types, name, g)
        setting = mint("hyperparameter-value", wf, exec_id, scope, name)
        add_types(out, setting, value_types, g)
        out.append(Quad(setting, M_SPEC, hp, g))
        out.append(Quad(setting, M_VALUE, scalar_literal(value), g))
        out.append(Quad(node, M_INPUT, setting, g))
        out.append(Quad(node, P_USED, setting, g))
    return out


def metric(e: Mapping[str, Any], g: NamedNode) -> Out:
    """One metric value: a ModelEvaluation specified by its EvaluationMeasure."""
    wf = e["wf"]
    node = execution(wf, e["exec"])
    me = mint("evaluation", wf, str(e.get("r") or 0), str(e["seq"]))
    measure = shared("measure", e["name"])
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
        add_named(out, procedure, T_PROCEDURE, e["procedure"], g)
        out.append(Quad(me, X_PROC, procedure, g))
        out.append(Quad(me, P_INFLUENCED, procedure, g))
    return out


def data(e: Mapping[str, Any], g: NamedNode) -> Out:
    """An execution used or generated a data entity."""
    out: Out = []
    ent = e["entity"]
    kind, entity_id = ent["type"], ent["id"]
    node = entity(entity_id)
    add_named(out, node, ENTITY_TYPES[kind], ent["name"], g)
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
        add_named(out, feature_set, T_FEATURESET, ent["name"], g)
        out.append(Quad(node, M_SPEC, feature_set, g))
        for feature_name in ent["features"]:
            feature = mint("feature", feature_name)
            add_named(out, feature, T_FEATURE, feature_name, g)
            out.append(Quad(feature_set, X_FEATURE, feature, g))
    for name, value in (ent.get("characteristics") or {}).items():
        if value is None:
            continue
        characteristic = mint("characteristic", entity_id, name)
        add_named(out, characteristic, T_CHARACTERISTIC, name, g)
        out.append(Quad(characteristic, M_VALUE, scalar_literal(value), g))
        out.append(Quad(node, X_CHAR, characteristic, g))
        out.append(Quad(node, M_QUALITY, characteristic, g))
    add_use_or_generation(out, e, e["wf"], e["exec"], entity_id, ROLE_NAMES[kind], e["role"], g)
    add_derivations(out, node, e.get("derived_from"), g)
    return out


def model(e: Mapping[str, Any], g: NamedNode) -> Out:
    """A training execution generated a model."""
    out: Out = []
    node = entity(e["id"])
    add_named(out, node, T_MODEL, e["name"], g)
    if e.get("path"):
        out.append(Quad(node, X_PATH, Literal(e["path"]), g))
    if e.get("hash"):
        out.append(Quad(node, X_HASH, Literal(e["hash"]), g))
    if e.get("size") is not None:
        out.append(Quad(node, X_SIZEB, integer_literal(e["size"]), g))
    if e.get("framework"):
        out.append(Quad(node, X_FRAMEWORK, Literal(e["framework"]), g))
    add_use_or_generation(out, e, e["wf"], e["exec"], e["id"], "model", "generated", g)
    add_derivations(out, node, e.get("derived_from"), g)
    return out


def domain_ref(e: Mapping[str, Any], g: NamedNode) -> Out:
    """A domain-data reference in a data store, its attributes and relationships."""
    out: Out = []
    ref_id = e["id"]
    node = entity(ref_id)
    add_types(out, node, T_DATAREF, g)
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
    add_named(out, store_node, T_STORE, store["id"], g)
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
        add_named(out, attribute, T_ATTRIBUTE, name, g)
        av = mint("domain-attribute-value", ref_id, name)
        add_types(out, av, T_ATTRVALUE, g)
        out.append(Quad(av, M_SPEC, attribute, g))
        out.append(Quad(av, M_VALUE, scalar_literal(value), g))
        out.append(Quad(av, X_DATAREL, node, g))
        out.append(Quad(av, P_INFLUENCED, node, g))
    for other in e.get("related_to") or ():
        target = entity(other)
        out.append(Quad(node, X_DATAREL, target, g))
        out.append(Quad(node, P_INFLUENCED, target, g))
    if e.get("exec") and e.get("role"):
        add_use_or_generation(out, e, e["wf"], e["exec"], ref_id, "domain-data", e["role"], g)
    return out


