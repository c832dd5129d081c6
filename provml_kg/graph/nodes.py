"""Small builders shared by the event mappers: typed nodes, plans, execution start/end,
attribute values, usage and generation (plain and qualified). Each appends N-Quads lines to
``out``; nodes are N-Quads terms (:mod:`provml_kg.graph.nquads`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


from provml_kg.graph.iri import (
    datetime_term, entity_term, execution_term, integer_term, mint_term, scalar_term, shared_term,
)
from provml_kg.graph.nquads import quad, string
from provml_kg.graph.terms import (
    LABEL, M_INPUT, M_OUTPUT, M_SPEC, M_VALUE, P_ACTIVITY, P_ATTIME, P_DERIVED, P_END,
    P_ENTITY, P_GEN_BY, P_HADPLAN, P_QASSOC, P_QGEN, P_QUSAGE, P_ROLE, P_START, P_USED,
    T_ASSOCIATION, T_ATTRIBUTE, T_ATTRVALUE, T_GENERATION, T_ROLE, T_USAGE, X_ATTR, X_ERRMSG,
    X_ERRTYPE, X_PARTOF, X_PLAN, X_RANK, X_STATUS,
)
from provml_kg.graph.terms import A as _A

Out = list[str]
"""What every builder returns: the N-Quads lines of one event, in order."""


def add_types(out: Out, node: str, types: tuple[str, ...], g: str) -> None:
    """``node`` rdf:type each of ``types`` (a class and its superclasses)."""
    for cls in types:
        out.append(quad(node, _A, cls, g))


def add_named(out: Out, node: str, types: tuple[str, ...], name: str,
              g: str) -> None:
    """A typed node with its name as rdfs:label (plans, agents, measures...)."""
    add_types(out, node, types, g)
    out.append(quad(node, LABEL, string(name), g))


def transformation_plan(name: str) -> str:
    """Return the IRI term of the data transformation (plan) called ``name``."""
    return mint_term("transformation", name)


def stage_plan(stage: str, name: str) -> str:
    """Return the IRI term of the learning stage (plan) ``name`` of kind ``stage``."""
    return mint_term("stage", stage, name)


def experiment_plan(study: str | None, name: str) -> str:
    """Return the IRI term of a learning experiment, scoped by its study when one is named."""
    return mint_term("experiment", study, name) if study else mint_term("experiment", name)


def association_term(wf: str, exec_id: str, kind: str) -> str:
    """Return the IRI term of the qualified association of execution ``exec_id`` with its
    ``kind`` of plan (``plan`` or ``implementation``)."""
    return mint_term("association", wf, exec_id, kind)


def evaluation_term(e: Mapping[str, Any]) -> str:
    """Return the IRI term of the model evaluation a metric event records."""
    return mint_term("evaluation", e["wf"], str(e.get("r") or 0), str(e["seq"]))


def persona_term(name: str) -> str:
    """Return the IRI term of the persona called ``name``."""
    return mint_term("persona", name)


def machine_term(host: str) -> str:
    """Return the IRI term of the machine called ``host``."""
    return mint_term("machine", host)


def add_end(out: Out, e: Mapping[str, Any], node: str, g: str) -> None:
    """The end of an execution: time, status (default finished) and error."""
    out.append(quad(node, P_END, datetime_term(e["t"]), g))
    out.append(quad(node, X_STATUS, string(e.get("status") or "finished"), g))
    error = e.get("error")
    if error:
        out.append(quad(node, X_ERRTYPE, string(error["type"]), g))
        out.append(quad(node, X_ERRMSG, string(error.get("message") or error["type"]), g))


def add_start(out: Out, e: Mapping[str, Any], node: str, plan: str, wf: str,
              exec_id: str, g: str) -> None:
    """The common part of task, stage and section starts."""
    out.append(quad(node, P_START, datetime_term(e["t"]), g))
    out.append(quad(node, X_PLAN, plan, g))
    out.append(quad(node, X_RANK, integer_term(e.get("r") or 0), g))
    out.append(quad(node, X_PARTOF, execution_term(wf, e.get("parent") or wf), g))
    assoc = association_term(wf, exec_id, "plan")
    out.append(quad(node, P_QASSOC, assoc, g))
    add_types(out, assoc, T_ASSOCIATION, g)
    out.append(quad(assoc, P_HADPLAN, plan, g))


def add_attribute_values(out: Out, wf: str, exec_id: str, node: str, plan: str,
                         plan_kind: str, plan_name: str, params: Mapping[str, Any],
                         g: str) -> None:
    """Attributes of ``plan`` and their values in execution ``node``, which used them."""
    for name, value in params.items():
        if value is None:
            continue
        attribute = mint_term("attribute", plan_kind, plan_name, name)
        add_named(out, attribute, T_ATTRIBUTE, name, g)
        out.append(quad(plan, X_ATTR, attribute, g))
        av = mint_term("attribute-value", wf, exec_id, name)
        add_types(out, av, T_ATTRVALUE, g)
        out.append(quad(av, M_SPEC, attribute, g))
        out.append(quad(av, M_VALUE, scalar_term(value), g))
        out.append(quad(node, P_USED, av, g))


def add_role(out: Out, name: str, g: str) -> str:
    """A prov:Role called ``name``; returns its IRI."""
    role = shared_term("role", name)
    add_named(out, role, T_ROLE, name, g)
    return role


def add_use_or_generation(out: Out, e: Mapping[str, Any], wf: str, exec_id: str,
                          target_id: str, role_name: str, role: str, g: str) -> None:
    """An execution used or generated ``target``: plain and qualified PROV, and the MLS view."""
    act = execution_term(wf, exec_id)
    target = entity_term(target_id)
    role_node = add_role(out, role_name, g)
    if role == "used":
        out.append(quad(act, P_USED, target, g))
        out.append(quad(act, M_INPUT, target, g))
        usage = mint_term("usage", wf, exec_id, target_id)
        out.append(quad(act, P_QUSAGE, usage, g))
        add_types(out, usage, T_USAGE, g)
        out.append(quad(usage, P_ENTITY, target, g))
        out.append(quad(usage, P_ROLE, role_node, g))
        out.append(quad(usage, P_ATTIME, datetime_term(e["t"]), g))
    else:
        out.append(quad(target, P_GEN_BY, act, g))
        out.append(quad(act, M_OUTPUT, target, g))
        gen = mint_term("generation", wf, exec_id, target_id)
        out.append(quad(target, P_QGEN, gen, g))
        add_types(out, gen, T_GENERATION, g)
        out.append(quad(gen, P_ACTIVITY, act, g))
        out.append(quad(gen, P_ROLE, role_node, g))
        out.append(quad(gen, P_ATTIME, datetime_term(e["t"]), g))


def add_derivations(out: Out, node: str, sources: Iterable[str] | None,
                    g: str) -> None:
    for source in sources or ():
        out.append(quad(node, P_DERIVED, entity_term(source), g))

