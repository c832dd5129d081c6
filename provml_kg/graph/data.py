"""Mappers of the data events: hyperparameters, metrics, data, models, domain references."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


from provml_kg.errors import EventValidationError
from provml_kg.graph.iri import (
    datetime_term, double_term, entity_term, execution_term, integer_term, mint_term,
    scalar_term, shared_term,
)
from provml_kg.graph.nquads import XSD_ANYURI, checked_iri, quad, string
from provml_kg.graph.nodes import (
    Out, add_derivations, add_named, add_types, add_use_or_generation, evaluation_term,
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


def hyperparameters(e: Mapping[str, Any], g: str) -> Out:
    """Hyperparameter settings (mls:HyperParameterSetting) an execution used."""
    out: Out = []
    wf, exec_id, scope = e["wf"], e["exec"], e["scope"]
    node = execution_term(wf, exec_id)
    hp_types, value_types = HP_TYPES[scope]
    for name, value in e["values"].items():
        if value is None:
            continue
        hp = mint_term("hyperparameter", scope, name)
        add_named(out, hp, hp_types, name, g)
        setting = mint_term("hyperparameter-value", wf, exec_id, scope, name)
        add_types(out, setting, value_types, g)
        out.append(quad(setting, M_SPEC, hp, g))
        out.append(quad(setting, M_VALUE, scalar_term(value), g))
        out.append(quad(node, M_INPUT, setting, g))
        out.append(quad(node, P_USED, setting, g))
    return out


def metric(e: Mapping[str, Any], g: str) -> Out:
    """One metric value: a ModelEvaluation specified by its EvaluationMeasure."""
    wf = e["wf"]
    node = execution_term(wf, e["exec"])
    me = evaluation_term(e)
    measure = shared_term("measure", e["name"])
    out: Out = [quad(me, _A, cls, g) for cls in T_EVALUATION]
    out.extend(quad(measure, _A, cls, g) for cls in T_MEASURE)
    out.append(quad(measure, LABEL, string(e["name"]), g))
    out.append(quad(me, M_SPEC, measure, g))
    out.append(quad(me, M_VALUE, double_term(e["value"]), g))
    out.append(quad(me, P_GEN_BY, node, g))
    out.append(quad(me, P_GENTIME, datetime_term(e["t"]), g))
    out.append(quad(node, M_OUTPUT, me, g))
    if e.get("step") is not None:
        out.append(quad(me, X_STEP, integer_term(e["step"]), g))
    if e.get("model"):
        model = entity_term(e["model"])
        out.append(quad(me, X_EVMODEL, model, g))
        out.append(quad(me, P_DERIVED, model, g))
    for data_id in e.get("data") or ():
        data = entity_term(data_id)
        out.append(quad(me, X_EVON, data, g))
        out.append(quad(me, P_DERIVED, data, g))
    if e.get("procedure"):
        procedure = mint_term("procedure", e["procedure"])
        add_named(out, procedure, T_PROCEDURE, e["procedure"], g)
        out.append(quad(me, X_PROC, procedure, g))
        out.append(quad(me, P_INFLUENCED, procedure, g))
    return out


def data(e: Mapping[str, Any], g: str) -> Out:
    """An execution used or generated a data entity."""
    out: Out = []
    ent = e["entity"]
    kind, entity_id = ent["type"], ent["id"]
    node = entity_term(entity_id)
    add_named(out, node, ENTITY_TYPES[kind], ent["name"], g)
    if ent.get("path"):
        out.append(quad(node, X_PATH, string(ent["path"]), g))
        if kind in ("file", "domain"):
            out.append(quad(node, X_DATAID, string(ent["path"]), g))
    if ent.get("uri"):
        out.append(quad(node, X_DATAID, string(ent["uri"]), g))
    if ent.get("hash"):
        out.append(quad(node, X_HASH, string(ent["hash"]), g))
    if ent.get("size") is not None:
        out.append(quad(node, X_SIZEB, integer_term(ent["size"]), g))
    if ent.get("rows") is not None:
        out.append(quad(node, X_ROWS, integer_term(ent["rows"]), g))
    if kind == "value" and ent.get("value") is not None:
        out.append(quad(node, P_VALUE, scalar_term(ent["value"]), g))
    if ent.get("features"):
        feature_set = mint_term("feature-set", entity_id)
        add_named(out, feature_set, T_FEATURESET, ent["name"], g)
        out.append(quad(node, M_SPEC, feature_set, g))
        for feature_name in ent["features"]:
            feature = mint_term("feature", feature_name)
            add_named(out, feature, T_FEATURE, feature_name, g)
            out.append(quad(feature_set, X_FEATURE, feature, g))
    for name, value in (ent.get("characteristics") or {}).items():
        if value is None:
            continue
        characteristic = mint_term("characteristic", entity_id, name)
        add_named(out, characteristic, T_CHARACTERISTIC, name, g)
        out.append(quad(characteristic, M_VALUE, scalar_term(value), g))
        out.append(quad(node, X_CHAR, characteristic, g))
        out.append(quad(node, M_QUALITY, characteristic, g))
    add_use_or_generation(out, e, e["wf"], e["exec"], entity_id, ROLE_NAMES[kind], e["role"], g)
    add_derivations(out, node, e.get("derived_from"), g)
    return out


def model(e: Mapping[str, Any], g: str) -> Out:
    """A training execution generated a model."""
    out: Out = []
    node = entity_term(e["id"])
    add_named(out, node, T_MODEL, e["name"], g)
    if e.get("path"):
        out.append(quad(node, X_PATH, string(e["path"]), g))
    if e.get("hash"):
        out.append(quad(node, X_HASH, string(e["hash"]), g))
    if e.get("size") is not None:
        out.append(quad(node, X_SIZEB, integer_term(e["size"]), g))
    if e.get("framework"):
        out.append(quad(node, X_FRAMEWORK, string(e["framework"]), g))
    add_use_or_generation(out, e, e["wf"], e["exec"], e["id"], "model", "generated", g)
    add_derivations(out, node, e.get("derived_from"), g)
    return out


def domain_ref(e: Mapping[str, Any], g: str) -> Out:
    """A domain-data reference in a data store, its attributes and relationships."""
    out: Out = []
    ref_id = e["id"]
    node = entity_term(ref_id)
    add_types(out, node, T_DATAREF, g)
    out.append(quad(node, LABEL, string(e["identifier"]), g))
    if e.get("class"):
        try:
            domain_class = checked_iri(e["class"])
        except ValueError:
            raise EventValidationError(
                f"domain_ref.class: got {e['class']!r}; expected an absolute IRI") from None
        out.append(quad(node, _A, domain_class, g))
    store = e["store"]
    store_node = mint_term("store", store["id"])
    add_named(out, store_node, T_STORE, store["id"], g)
    out.append(quad(store_node, X_STYPE, string(store["type"]), g))
    if store.get("uri"):
        out.append(quad(store_node, X_SURI, string(store["uri"]) + "^^" + XSD_ANYURI, g))
    out.append(quad(node, X_STORE, store_node, g))
    out.append(quad(node, P_LOCATION, store_node, g))
    out.append(quad(node, X_DATAID, string(e["identifier"]), g))
    for name, value in (e.get("attributes") or {}).items():
        if value is None:
            continue
        if _IRI_NAME.fullmatch(name):
            try:
                prop = checked_iri(name)
            except ValueError:
                pass
            else:
                literal = scalar_term(value)
                out.append(quad(node, prop, literal, g))
                out.append(quad(node, X_DATAATTR, literal, g))
                continue
        attribute = mint_term("attribute", "domain", name)
        add_named(out, attribute, T_ATTRIBUTE, name, g)
        av = mint_term("domain-attribute-value", ref_id, name)
        add_types(out, av, T_ATTRVALUE, g)
        out.append(quad(av, M_SPEC, attribute, g))
        out.append(quad(av, M_VALUE, scalar_term(value), g))
        out.append(quad(av, X_DATAREL, node, g))
        out.append(quad(av, P_INFLUENCED, node, g))
    for other in e.get("related_to") or ():
        target = entity_term(other)
        out.append(quad(node, X_DATAREL, target, g))
        out.append(quad(node, P_INFLUENCED, target, g))
    if e.get("exec") and e.get("role"):
        add_use_or_generation(out, e, e["wf"], e["exec"], ref_id, "domain-data", e["role"], g)
    return out


