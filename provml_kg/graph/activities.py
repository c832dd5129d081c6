"""Mappers of the execution events: workflow, task, stage and section starts and ends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


from provml_kg.graph.iri import datetime_term, execution_term, integer_term, mint_term
from provml_kg.graph.nquads import quad, string
from provml_kg.graph.nodes import (
    Out, add_attribute_values, add_end, add_named, add_start, add_types, association_term,
    experiment_plan, machine_term, persona_term, stage_plan, transformation_plan,
)
from provml_kg.graph.terms import (
    M_ACHIEVES, M_EXECUTES, M_IMPLEMENTS, M_REALIZES, P_AGENT, P_ASSOC, P_HADPLAN, P_QASSOC,
    P_START, SPEC_STAGES, STAGE_EXEC, STAGE_PLAN, T_ACTIVITY, T_ALGORITHM, T_ASSOCIATION,
    T_ATTRIBUTE, T_EXPERIMENT, T_IMPLEMENTATION, T_MACHINE, T_PERSONA, T_SECEXEC, T_SECTION,
    T_SOFTWARE, T_STUDY, T_TASK, T_TRANSEXEC, T_TRANSFORMATION, T_WFEXEC, T_WORKFLOW, X_ATTR,
    X_DEVICE, X_EXPOF, X_HOST, X_INDEX, X_PART, X_PARTOF, X_PLAN, X_RANK, X_RANON, X_ROLE,
    X_SIZE, X_STAGEOF, X_TRANSOF, X_VERSION,
)


def workflow_start(e: Mapping[str, Any], g: str) -> Out:
    """A workflow execution (one rank) started: execution, rank activity, plan, agents, spec."""
    out: Out = []
    wf, rank = e["wf"], e.get("r") or 0
    w = execution_term(wf, wf)
    plan = mint_term("workflow", e["name"])
    rx = mint_term("rank-execution", wf, str(rank))
    add_types(out, w, T_WFEXEC, g)
    out.append(quad(w, X_PLAN, plan, g))
    add_named(out, plan, T_WORKFLOW, e["name"], g)
    add_types(out, rx, T_ACTIVITY, g)
    out.append(quad(rx, X_PARTOF, w, g))
    out.append(quad(rx, X_PLAN, plan, g))
    out.append(quad(rx, X_RANK, integer_term(rank), g))
    out.append(quad(rx, P_START, datetime_term(e["t"]), g))
    study, experiment = e.get("study"), e.get("experiment")
    if study:
        s = mint_term("study", study)
        add_named(out, s, T_STUDY, study, g)
        if not experiment:
            out.append(quad(plan, X_PART, s, g))
    if experiment:
        x = experiment_plan(study, experiment)
        add_named(out, x, T_EXPERIMENT, experiment, g)
        out.append(quad(plan, X_PART, x, g))
        if study:
            out.append(quad(x, X_EXPOF, s, g))
            out.append(quad(x, X_PART, s, g))
    # the plan of each activity, with the persona / machine as agent when known
    w_assoc = association_term(wf, wf, "plan")
    r_assoc = mint_term("association", wf, "rank", str(rank), "plan")
    for act, assoc in ((w, w_assoc), (rx, r_assoc)):
        out.append(quad(act, P_QASSOC, assoc, g))
        add_types(out, assoc, T_ASSOCIATION, g)
        out.append(quad(assoc, P_HADPLAN, plan, g))
    persona = e.get("persona")
    if persona:
        p = persona_term(persona["name"])
        add_named(out, p, T_PERSONA, persona["name"], g)
        if persona.get("role"):
            out.append(quad(p, X_ROLE, string(persona["role"]), g))
        out.append(quad(w, P_ASSOC, p, g))
        out.append(quad(w_assoc, P_AGENT, p, g))
    env = e.get("env")
    if env:
        host = env["host"]
        machine = machine_term(host)
        add_named(out, machine, T_MACHINE, host, g)
        out.append(quad(machine, X_HOST, string(host), g))
        out.append(quad(r_assoc, P_AGENT, machine, g))
        for act in (rx, w):
            out.append(quad(act, X_RANON, machine, g))
            out.append(quad(act, P_ASSOC, machine, g))
        out.append(quad(rx, X_HOST, string(host), g))
        out.append(quad(w, X_SIZE, integer_term(env.get("size") or 1), g))
        if env.get("device"):
            out.append(quad(rx, X_DEVICE, string(env["device"]), g))
        if env.get("python"):
            python = mint_term("software", "python", env["python"])
            add_named(out, python, T_SOFTWARE, "Python", g)
            out.append(quad(python, X_VERSION, string(env["python"]), g))
            out.append(quad(w, P_ASSOC, python, g))
            out.append(quad(rx, P_ASSOC, python, g))
            assoc = mint_term("association", wf, "rank", str(rank), "software")
            out.append(quad(rx, P_QASSOC, assoc, g))
            add_types(out, assoc, T_ASSOCIATION, g)
            out.append(quad(assoc, P_AGENT, python, g))
            out.append(quad(assoc, P_HADPLAN, plan, g))
        for dist, version in (env.get("packages") or {}).items():
            package = mint_term("software", dist, version)
            add_named(out, package, T_SOFTWARE, dist, g)
            out.append(quad(package, X_VERSION, string(version), g))
            out.append(quad(rx, P_ASSOC, package, g))
    for step in e.get("spec") or ():
        kind = step["type"]
        if kind == "transformation":
            node = transformation_plan(step["name"])
            add_named(out, node, T_TRANSFORMATION, step["name"], g)
            out.append(quad(node, X_TRANSOF, plan, g))
            for attr in step.get("attributes") or ():
                attribute = mint_term("attribute", "transformation", step["name"], attr)
                add_named(out, attribute, T_ATTRIBUTE, attr, g)
                out.append(quad(node, X_ATTR, attribute, g))
        elif kind in SPEC_STAGES:
            node = stage_plan(kind, step["name"])
            add_named(out, node, STAGE_PLAN[kind], step["name"], g)
            if experiment:
                out.append(quad(node, X_STAGEOF, experiment_plan(study, experiment), g))
    if e.get("params"):
        add_attribute_values(out, wf, wf, w, plan, "workflow", e["name"], e["params"], g)
    return out


def workflow_end(e: Mapping[str, Any], g: str) -> Out:
    """One rank of a workflow execution ended (the workflow summary is materialised)."""
    out: Out = []
    add_end(out, e, mint_term("rank-execution", e["wf"], str(e.get("r") or 0)), g)
    return out


def task_start(e: Mapping[str, Any], g: str) -> Out:
    """A data transformation execution started, with its attribute values."""
    out: Out = []
    wf, exec_id, name = e["wf"], e["id"], e["name"]
    node = execution_term(wf, exec_id)
    plan = transformation_plan(name)
    add_types(out, node, T_TRANSEXEC, g)
    add_named(out, plan, T_TRANSFORMATION, name, g)
    add_start(out, e, node, plan, wf, exec_id, g)
    if e.get("params"):
        add_attribute_values(out, wf, exec_id, node, plan, "transformation", name, e["params"], g)
    return out


def execution_end(e: Mapping[str, Any], g: str) -> Out:
    """A task, stage or section execution ended."""
    out: Out = []
    add_end(out, e, execution_term(e["wf"], e["id"]), g)
    return out


def stage_start(e: Mapping[str, Any], g: str) -> Out:
    """A learning stage execution (an mls:Run) started: plan, implementation, algorithm, task."""
    out: Out = []
    wf, exec_id, stage, name = e["wf"], e["id"], e["stage"], e["name"]
    node = execution_term(wf, exec_id)
    plan = stage_plan(stage, name)
    add_types(out, node, STAGE_EXEC[stage], g)
    add_named(out, plan, STAGE_PLAN[stage], name, g)
    add_start(out, e, node, plan, wf, exec_id, g)
    implementation = e.get("implementation")
    impl = None
    if implementation:
        version = implementation.get("version")
        impl_name = implementation["name"]
        impl = mint_term("implementation", impl_name, version) if version else mint_term(
            "implementation", impl_name)
        add_named(out, impl, T_IMPLEMENTATION, impl_name, g)
        if version:
            out.append(quad(impl, X_VERSION, string(version), g))
        out.append(quad(node, M_EXECUTES, impl, g))
        assoc = association_term(wf, exec_id, "implementation")
        out.append(quad(node, P_QASSOC, assoc, g))
        add_types(out, assoc, T_ASSOCIATION, g)
        out.append(quad(assoc, P_HADPLAN, impl, g))
    if e.get("algorithm"):
        algorithm = mint_term("algorithm", e["algorithm"])
        add_named(out, algorithm, T_ALGORITHM, e["algorithm"], g)
        out.append(quad(node, M_REALIZES, algorithm, g))
        if impl is not None:
            out.append(quad(impl, M_IMPLEMENTS, algorithm, g))
    if e.get("task"):
        task = mint_term("learning-task", e["task"])
        add_named(out, task, T_TASK, e["task"], g)
        out.append(quad(node, M_ACHIEVES, task, g))
    return out


def section_start(e: Mapping[str, Any], g: str) -> Out:
    """A section (epoch, batch, fold) of a learning stage execution started."""
    out: Out = []
    wf, exec_id = e["wf"], e["id"]
    node = execution_term(wf, exec_id)
    plan = mint_term("section", e["section"])
    add_types(out, node, T_SECEXEC, g)
    add_named(out, plan, T_SECTION, e["section"], g)
    add_start(out, e, node, plan, wf, exec_id, g)
    out.append(quad(node, X_INDEX, integer_term(e["index"]), g))
    return out


