"""provml_kg.events: records, JSON round trips and every validation error."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dataclasses import MISSING

from provml_kg import events as ev
from provml_kg.events import records
from provml_kg.errors import EventValidationError, InputError

COMMON = {"v": 1, "wf": "wf1", "t": 1700000000.5, "r": 0, "seq": 0}


def make(kind: str, **fields: Any) -> dict[str, Any]:
    return {**COMMON, "k": kind, **fields}


VALID = {
    "workflow_start": make("workflow_start", name="digits", study="s", experiment="e",
                           persona={"name": "ana", "role": "scientist"},
                           env={"host": "n1", "rank": 1, "size": 4, "device": "cpu",
                                "python": "3.11", "platform": "linux", "pid": 7,
                                "packages": {"numpy": "2.0"}},
                           spec=[{"name": "norm", "type": "transformation", "attributes": ["m"]},
                                 {"name": "fit", "type": "training", "after": ["norm"]}],
                           params={"seed": 1}, tags={"team": "geo"}),
    "workflow_end": make("workflow_end", status="failed",
                         error={"type": "ValueError", "message": "x", "traceback": "tb"}),
    "task_start": make("task_start", id="t1", name="normalise", parent="wf1",
                       params={"m": "z", "k": 3, "f": 0.5, "b": True, "n": None}),
    "task_end": make("task_end", id="t1", status="finished"),
    "stage_start": make("stage_start", id="s1", stage="training", name="fit", parent="t1",
                        algorithm="mlp", implementation={"name": "sklearn.MLP", "version": "1"},
                        task="classification"),
    "stage_end": make("stage_end", id="s1", status="killed"),
    "section_start": make("section_start", id="s1.epoch0", parent="s1", section="epoch", index=0),
    "section_end": make("section_end", id="s1.epoch0", status="finished"),
    "hyperparameters": make("hyperparameters", exec="s1", scope="model", values={"layers": 2}),
    "metric": make("metric", exec="s1.epoch0", name="loss", value=0.5, step=3, model="m1",
                   data=["ds-1"], procedure="holdout"),
    "data": make("data", exec="t1", role="generated",
                 entity={"id": "ds-1", "type": "dataset", "name": "digits", "path": "/d",
                         "uri": "file:///d", "hash": "sha256:" + "a" * 64, "size": 10, "rows": 3,
                         "features": ["a", "b"], "characteristics": {"classes": 10}},
                 derived_from=["dr-1"]),
    "model": make("model", exec="s1", id="m1", name="mlp", path="/m.pkl",
                  hash="sha256:" + "b" * 64, size=100, framework="scikit-learn 1.5",
                  derived_from=["ds-1"]),
    "domain_ref": make("domain_ref", id="dr-1", store={"id": "seismic-fs", "type": "filesystem",
                                                       "uri": "file:///data"},
                       identifier="cubes/f3.npy", **{"class": "https://example.org/SeismicCube"},
                       attributes={"inline_min": 100}, related_to=["ds-1"], exec="t1", role="used"),
}


def test_every_kind_has_a_valid_example() -> None:
    assert set(VALID) == set(ev.KINDS)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_events_round_trip_through_records_and_json(kind: str) -> None:
    event = VALID[kind]
    assert ev.validate(event) == event
    record = ev.from_dict(event)
    assert isinstance(record, ev.KINDS[kind])
    assert record.to_dict() == event
    assert ev.from_json(ev.to_json(record)) == event
    assert list(ev.to_dict(record))[:2] == ["v", "k"]


def test_metric_non_finite_values_use_xsd_lexical_forms() -> None:
    for value, token in ((math.nan, "NaN"), (math.inf, "INF"), (-math.inf, "-INF")):
        line = ev.to_json(ev.Metric(wf="w", t=1.0, exec="x", name="loss", value=value))
        assert f'"value":"{token}"' in line
        back = ev.from_dict(ev.from_json(line))
        assert math.isnan(back.value) if token == "NaN" else back.value == value
        assert (ev.metric_value(ev.from_json(line)) == value) or token == "NaN"


def test_records_drop_absent_optionals_and_class_is_renamed() -> None:
    ref = ev.DomainRef(wf="w", t=1.0, id="dr-x", store=ev.DataStore(id="s", type="fs"),
                       identifier="a", domain_class="https://x/C")
    d = ref.to_dict()
    assert d["class"] == "https://x/C" and "domain_class" not in d and "attributes" not in d


def test_null_optionals_are_accepted_and_dropped() -> None:
    assert "step" not in ev.validate(make("metric", exec="x", name="n", value=1, step=None))


def test_unknown_fields_are_refused_unless_not_strict() -> None:
    event = make("task_end", id="t", status="finished", newer="x")
    with pytest.raises(EventValidationError, match=r"task_end: unknown field\(s\) 'newer'"):
        ev.validate(event)
    assert ev.validate(event, strict=False)["newer"] == "x"


def test_ids_are_stable_and_safe() -> None:
    a = ev.domain_ref_id("seismic-fs", "cubes/f3.npy")
    assert a == ev.domain_ref_id("seismic-fs", "cubes/f3.npy")
    assert a != ev.domain_ref_id("seismic-fs", "cubes/f4.npy")
    assert a.startswith("dr-") and ev.check_id("x", a) == a


# (kind, field path, bad value, expected message fragment)
BAD: list[tuple[str, str, Any, str]] = [
    ("metric", "wf", "has space", "expected an id"),
    ("metric", "wf", "", "expected an id"),
    ("metric", "wf", "x" * 129, "expected an id"),
    ("metric", "wf", "-lead", "expected an id"),
    ("metric", "t", "now", "expected a finite number"),
    ("metric", "t", math.inf, "expected a finite number"),
    ("metric", "t", True, "expected a finite number"),
    ("metric", "r", -1, "expected an integer >= 0"),
    ("metric", "r", 1.0, "expected an integer >= 0"),
    ("metric", "seq", True, "expected an integer >= 0"),
    ("metric", "value", "high", 'expected a number (int or float), or "NaN"'),
    ("metric", "value", False, "expected a number"),
    ("metric", "name", "", "expected a non-empty string of at most 1024"),
    ("metric", "name", "n" * 1025, "at most 1024"),
    ("metric", "name", 3, "expected a non-empty string"),
    ("metric", "step", -2, "expected an integer >= 0"),
    ("metric", "data", "ds-1", "expected a list of entity ids"),
    ("metric", "data", ["ok", "not ok"], "metric.data[1]"),
    ("task_start", "params", [1], "expected an object mapping names to scalars"),
    ("task_start", "params", {"a": object()}, "task_start.params.a: got <object object"),
    ("task_start", "params", {"a": [1, 2]}, "expected a JSON scalar"),
    ("task_start", "params", {"a": math.nan}, "expected a JSON scalar"),
    ("task_start", "params", {"": 1}, "task_start.params key"),
    ("task_end", "status", "done", "one of 'finished', 'failed', 'killed'"),
    ("task_end", "error", "boom", "expected an object (ErrorInfo)"),
    ("task_end", "error", {"message": "m"}, "task_end.error.type: missing"),
    ("stage_start", "stage", "testing", "one of 'training', 'validation', 'evaluation'"),
    ("stage_start", "implementation", {"name": "x", "url": "y"}, "unknown field(s) 'url'"),
    ("section_start", "index", 1.5, "section_start.index"),
    ("hyperparameters", "scope", "optimizer", "one of 'learning', 'model'"),
    ("data", "role", "read", "one of 'used', 'generated'"),
    ("data", "entity", {"id": "a", "type": "table", "name": "n"}, "data.entity.type"),
    ("model", "hash", "abc", "'<algorithm>:<lowercase hex>'"),
    ("model", "hash", "sha256:XYZ", "'<algorithm>:<lowercase hex>'"),
    ("model", "size", -5, "model.size"),
    ("domain_ref", "store", {"id": "bad id", "type": "fs"}, "domain_ref.store.id"),
    ("workflow_start", "env", {"host": "h", "size": 0}, "workflow_start.env.size"),
    ("workflow_start", "env", {"host": "h", "packages": {"numpy": 2}}, "workflow_start.env.packages.numpy"),
    ("workflow_start", "spec", [{"name": "x", "type": "cleaning"}], "workflow_start.spec[0].type"),
    ("workflow_start", "spec", {"name": "x"}, "expected a list of PlannedStep objects"),
    ("workflow_start", "persona", {"role": "x"}, "workflow_start.persona.name: missing"),
]


@pytest.mark.parametrize(("kind", "path", "value", "fragment"), BAD,
                         ids=[f"{k}.{p}={v!r}"[:60] for k, p, v, _ in BAD])
def test_each_bad_value_is_named_with_what_is_valid(kind: str, path: str, value: Any,
                                                     fragment: str) -> None:
    event = dict(VALID[kind])
    event[path] = value
    with pytest.raises(EventValidationError) as caught:
        ev.validate(event)
    message = str(caught.value)
    assert fragment in message
    assert message.startswith(f"{kind}.{path}") or message.startswith("metric.data[")
    assert isinstance(caught.value, InputError) and isinstance(caught.value, ValueError)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_each_required_field_is_reported_missing(kind: str) -> None:
    required = [k for k, f in records._fields_by_key(ev.KINDS[kind]).items()
                if f.default is MISSING]
    assert {"wf", "t"} <= set(required)
    for key in required:
        event = {k: v for k, v in VALID[kind].items() if k != key}
        with pytest.raises(EventValidationError, match=rf"{kind}\.{key}: missing; it is required"):
            ev.validate(event)


@pytest.mark.parametrize(("event", "fragment"), [
    ([1], "event: got [1] (list); expected an object"),
    ({**COMMON, "v": 2, "k": "metric"}, "event.v: got 2 (int); expected the schema version 1"),
    ({**COMMON, "k": "note"}, "event.k: got 'note' (str); expected one of workflow_start"),
    ({**COMMON, "k": None}, "event.k: got None"),
])
def test_envelope_errors(event: Any, fragment: str) -> None:
    with pytest.raises(EventValidationError, match=fragment.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        ev.validate(event)


def test_long_bad_values_are_truncated_in_the_message() -> None:
    with pytest.raises(EventValidationError) as caught:
        ev.validate(make("metric", exec="x", name="n", value="v" * 500))
    assert "..." in str(caught.value) and len(str(caught.value)) < 250


def test_from_json_rejects_non_json_lines() -> None:
    with pytest.raises(EventValidationError, match="line: .* expected one JSON object"):
        ev.from_json('{"v":1,"k":"met')
    assert ev.from_json('{"k": "anything"}', check=False) == {"k": "anything"}


def test_record_errors_surface_on_serialisation() -> None:
    with pytest.raises(EventValidationError, match="metric.exec"):
        ev.to_json(ev.Metric(wf="w", t=1.0, exec="bad id", name="n", value=1.0))
