"""Small builders shared by the event mappers: typed nodes, plans, execution start/end,
attribute values, usage and generation (plain and qualified). Each appends quads to ``out``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from provml_kg.graph.iri import (
    datetime_literal, entity, execution, integer_literal, mint, scalar_literal, shared,
)
from provml_kg.graph.terms import (
    LABEL, M_INPUT, M_OUTPUT, M_SPEC, M_VALUE, P_ACTIVITY, P_ATTIME, P_DERIVED, P_END,
    P_ENTITY, P_GEN_BY, P_HADPLAN, P_QASSOC, P_QGEN, P_QUSAGE, P_ROLE, P_START, P_USED,
    T_ASSOCIATION, T_ATTRIBUTE, T_ATTRVALUE, T_GENERATION, T_ROLE, T_USAGE, X_ATTR, X_ERRMSG,
    X_ERRTYPE, X_PARTOF, X_PLAN, X_RANK, X_STATUS,
)
from provml_kg.graph.terms import A as _A

Out = list[Quad]
"""What every builder returns: the quads of one event, in order."""


def add_types(out: Out, node: NamedNode, types: tuple[NamedNode, ...], g: NamedNode) -> None:
    """``node`` rdf:type each of ``types`` (a class and its superclasses)."""
    for cls in types:
        out.append(Quad(node, _A, cls, g))


def add_named(out: Out, node: NamedNode, types: tuple[NamedNode, ...], name: str,
              g: NamedNode) -> None:
    """A typed node with its name as rdfs:label (plans, agents, measures...)."""
    add_types(out, node, types, g)
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


def add_end(out: Out, e: Mapping[str, Any], node: NamedNode, g: NamedNode) -> None:
    """The end of an execution: time, status (default finished) and error."""
    out.append(Quad(node, P_END, datetime_literal(e["t"]), g))
    out.append(Quad(node, X_STATUS, Literal(e.get("status") or "finished"), g))
    error = e.get("error")
    if error:
        out.append(Quad(node, X_ERRTYPE, Literal(error["type"]), g))
        out.append(Quad(node, X_ERRMSG, Literal(error.get("message") or error["type"]), g))


def add_start(out: Out, e: Mapping[str, Any], node: NamedNode, plan: NamedNode, wf: str,
              exec_id: str, g: NamedNode) -> None:
    """The common part of task, stage and section starts."""
    out.append(Quad(node, P_START, datetime_literal(e["t"]), g))
    out.append(Quad(node, X_PLAN, plan, g))
    out.append(Quad(node, X_RANK, integer_literal(e.get("r") or 0), g))
    out.append(Quad(node, X_PARTOF, execution(wf, e.get("parent") or wf), g))
    assoc = mint("association", wf, exec_id, "plan")
    out.append(Quad(node, P_QASSOC, assoc, g))
    add_types(out, assoc, T_ASSOCIATION, g)
    out.append(Quad(assoc, P_HADPLAN, plan, g))


def add_attribute_values(out: Out, wf: str, exec_id: str, node: NamedNode, plan: NamedNode,
                         plan_kind: str, plan_name: str, params: Mapping[str, Any],
                         g: NamedNode) -> None:
    """Attributes of ``plan`` and their values in execution ``node``, which used them."""
    for name, value in params.items():
        if value is None:
            continue
        attribute = mint("attribute", plan_kind, plan_name, name)
        add_named(out, attribute, T_ATTRIBUTE, name, g)
        out.append(Quad(plan, X_ATTR, attribute, g))
        av = mint("attribute-value", wf, exec_id, name)
        add_types(out, av, T_ATTRVALUE, g)
        out.append(Quad(av, M_SPEC, attribute, g))
        out.append(Quad(av, M_VALUE, scalar_literal(value), g))
        out.append(Quad(node, P_USED, av, g))


def add_role(out: Out, name: str, g: NamedNode) -> NamedNode:
    """A prov:Role called ``name``; returns its IRI."""
    role = shared("role", name)
    add_named(out, role, T_ROLE, name, g)
    return role


def add_use_or_generation(out: Out, e: Mapping[str, Any], wf: str, exec_id: str,
                          target_id: str, role_name: str, role: str, g: NamedNode) -> None:
    """An execution used or generated ``target``: plain and qualified PROV, and the MLS view."""
    act = execution(wf, exec_id)
    target = entity(target_id)
    role_node = add_role(out, role_name, g)
    if role == "used":
        out.append(Quad(act, P_USED, target, g))
        out.append(Quad(act, M_INPUT, target, g))
        usage = mint("usage", wf, exec_id, target_id)
        out.append(Quad(act, P_QUSAGE, usage, g))
        add_types(out, usage, T_USAGE, g)
        out.append(Quad(usage, P_ENTITY, target, g))
        out.append(Quad(usage, P_ROLE, role_node, g))
        out.append(Quad(usage, P_ATTIME, datetime_literal(e["t"]), g))
    else:
        out.append(Quad(target, P_GEN_BY, act, g))
        out.append(Quad(act, M_OUTPUT, target, g))
        gen = mint("generation", wf, exec_id, target_id)
        out.append(Quad(target, P_QGEN, gen, g))
        add_types(out, gen, T_GENERATION, g)
        out.append(Quad(gen, P_ACTIVITY, act, g))
        out.append(Quad(gen, P_ROLE, role_node, g))
        out.append(Quad(gen, P_ATTIME, datetime_literal(e["t"]), g))


def add_derivations(out: Out, node: NamedNode, sources: Iterable[str] | None,
                    g: NamedNode) -> None:
    for source in sources or ():
        out.append(Quad(node, P_DERIVED, entity(source), g))

