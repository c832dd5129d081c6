"""The costliest materialisation rules, applied while ingesting, from the events in hand.

Three rules of :mod:`provml_kg.graph.materialise` add a quad or two for every execution or
every output: the persona of a workflow is associated with every execution in it, every
execution ran on the machine of its MPI rank, and an ML Schema run outputs what its sections
output. As SPARQL over a large store they are slow (each result row's terms are decoded from
the store: 46 s of 49 for all rules at 10M quads). During an ingest the same facts follow from
the events as they stream by: :func:`derivation_record` keeps the few fields each event
contributes (in the worker that maps it), and :class:`Derivation` turns them, in spool order,
into N-Quads lines loaded with the event quads.

It only adds what the rules would add, and only when everything a rule needs was in this
ingest (the workflow start before the executions, a section's start before its metrics). A
workflow is *settled* when nothing was left out: it was new to the store, no persona or machine
arrived after executions it concerns, and every parent chain was complete when walked. The
three rules then need not run for it; for any other workflow they run as always (looking only
for rows whose quads are missing), so the store ends the same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from provml_kg.graph.iri import entity_term, execution_term, graph_term
from provml_kg.graph.nodes import association_term, evaluation_term, machine_term, persona_term
from provml_kg.graph.nquads import quad
from provml_kg.graph.terms import M_OUTPUT, P_AGENT, P_ASSOC, X_RANON

__all__ = ["Record", "derivation_record", "Derivation"]

Record = tuple[Any, ...]
"""What one event contributes: ``("w", wf, rank, persona term or None, machine term or None)``
for a workflow start, ``("x", wf, id, parent id, rank, is a run, association terms)`` for a
task, stage or section start, ``("o", wf, execution id, output term)`` for an output."""

_STARTS = {"task_start": False, "stage_start": True, "section_start": False}
_MAX_DEPTH = 64  # deeper parent chains (or cycles from bad input) are left to the rules


def derivation_record(e: Mapping[str, Any]) -> Record | None:
    """Return what event ``e`` (validated) contributes to the derivation, or None."""
    kind = e["k"]
    wf = e["wf"]
    if kind == "metric":
        return ("o", wf, e["exec"], evaluation_term(e))
    if kind in _STARTS:
        exec_id = e["id"]
        associations = [association_term(wf, exec_id, "plan")]
        if kind == "stage_start" and e.get("implementation"):
            associations.append(association_term(wf, exec_id, "implementation"))
        return ("x", wf, exec_id, e.get("parent") or wf, e.get("r") or 0, _STARTS[kind],
                tuple(associations))
    if kind == "workflow_start":
        persona, env = e.get("persona"), e.get("env")
        return ("w", wf, e.get("r") or 0, persona_term(persona["name"]) if persona else None,
                machine_term(env["host"]) if env else None)
    if kind in ("data", "model", "domain_ref") and e.get("exec"):
        role = "generated" if kind == "model" else e.get("role")
        target = e["entity"]["id"] if kind == "data" else e["id"]
        if role == "generated":
            return ("o", wf, e["exec"], entity_term(target))
    return None


class Derivation:
    """Turns records, in spool order, into the N-Quads lines the three rules would add.

    Keeps, for the ingest it serves, each workflow's persona, each rank's machine, and the
    parent and kind of each execution started. ``is_new(wf)`` says whether the store held
    nothing of workflow ``wf`` before this ingest (asked once per workflow, when first seen).
    """

    def __init__(self, is_new: Callable[[str], bool]) -> None:
        self._is_new = is_new
        self._persona: dict[str, str] = {}
        self._machine: dict[tuple[str, int], str] = {}
        self._parent: dict[tuple[str, str], str] = {}
        self._runs: set[tuple[str, str]] = set()
        self._ranks_started: dict[str, set[int]] = {}  # ranks with executions, by workflow
        self._seen: set[str] = set()
        self._unsettled: set[str] = set()

    def settled(self) -> set[str]:
        """Return the workflows seen whose facts of the three rules are all written."""
        return self._seen - self._unsettled

    def _first_sight(self, wf: str) -> None:
        self._seen.add(wf)
        if not self._is_new(wf):
            self._unsettled.add(wf)  # its earlier executions may lack what this ingest brings

    def lines(self, records: Iterable[Record]) -> list[str]:
        """Return the derived N-Quads lines for ``records`` (the state advances with them)."""
        out: list[str] = []
        for record in records:
            if record[1] not in self._seen:
                self._first_sight(record[1])
            if record[0] == "x":
                self._execution(out, *record[1:])
            elif record[0] == "o":
                self._output(out, *record[1:])
            else:
                self._workflow_start(*record[1:])
        return out

    def _workflow_start(self, wf: str, rank: int, persona: str | None,
                        machine: str | None) -> None:
        known = self._persona.get(wf)
        if persona is not None and persona != known:
            if known is not None or wf in self._ranks_started:
                self._unsettled.add(wf)  # executions already written lack this persona
            self._persona[wf] = persona
        if machine is not None and machine != self._machine.get((wf, rank)):
            if (wf, rank) in self._machine or rank in self._ranks_started.get(wf, ()):
                self._unsettled.add(wf)
            self._machine[(wf, rank)] = machine

    def _ancestors(self, wf: str, exec_id: str) -> tuple[list[str], bool]:
        """Return the executions above ``exec_id`` (nearest first, the workflow left out) as far
        as their starts were seen, and whether they lead up to the workflow."""
        found: list[str] = []
        current = exec_id
        for _ in range(_MAX_DEPTH):
            parent = self._parent.get((wf, current))
            if parent is None:
                return found, False
            if parent == wf:
                return found, True
            found.append(parent)
            current = parent
        return found, False

    def _execution(self, out: list[str], wf: str, exec_id: str, parent: str, rank: int,
                   is_run: bool, associations: tuple[str, ...]) -> None:
        self._parent[(wf, exec_id)] = parent
        self._ranks_started.setdefault(wf, set()).add(rank)
        if is_run:
            self._runs.add((wf, exec_id))
        if not self._ancestors(wf, exec_id)[1]:
            self._unsettled.add(wf)
            return
        g, node = graph_term(wf), execution_term(wf, exec_id)
        person = self._persona.get(wf)
        if person is not None:
            out.append(quad(node, P_ASSOC, person, g))
            out.extend(quad(a, P_AGENT, person, g) for a in associations)
        machine = self._machine.get((wf, rank))
        if machine is not None:
            out.append(quad(node, X_RANON, machine, g))
            out.append(quad(node, P_ASSOC, machine, g))

    def _output(self, out: list[str], wf: str, exec_id: str, output: str) -> None:
        if exec_id == wf:
            return  # an output of the workflow execution itself: no run above it
        ancestors, complete = self._ancestors(wf, exec_id)
        out.extend(quad(execution_term(wf, run), M_OUTPUT, output, graph_term(wf))
                   for run in ancestors if (wf, run) in self._runs)
        if not complete:
            self._unsettled.add(wf)  # an ancestor not started yet may be a run
