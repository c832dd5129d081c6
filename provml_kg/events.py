"""Typed provenance event records, their JSON form and their validation. Knows no RDF.

An event is a flat JSON object, one per line in a spool file. Every event carries the common
fields ``v`` (schema version), ``k`` (kind), ``wf`` (workflow execution id, the same on every MPI
rank), ``t`` (UTC seconds since the epoch), ``r`` (MPI rank, 0 without MPI) and ``seq`` (per
``(wf, r)`` sequence number); ``(wf, r, seq)`` is the event's identity. ``docs/events.md`` lists
every kind and field.

Each kind has a record class (:class:`WorkflowStart`, :class:`Metric`, ...) whose fields carry
their own checks, so the classes *are* the schema: :func:`validate` walks them for plain dicts.

>>> m = Metric(wf="run1", t=1700000000.0, seq=3, exec="ep0", name="loss", value=0.25, step=0)
>>> to_json(m)
'{"v":1,"k":"metric","wf":"run1","t":1700000000.0,"r":0,"seq":3,"exec":"ep0","name":"loss","value":0.25,"step":0}'
>>> from_dict(from_json(to_json(m))) == m
True
>>> validate({"v": 1, "k": "metric", "wf": "run1", "t": 1.0, "r": 0, "seq": 0,
...           "exec": "ep0", "name": "loss", "value": "high"})
Traceback (most recent call last):
...
provml_kg.errors.EventValidationError: metric.value: got 'high' (str); expected a number (int or float), or "NaN", "INF", "-INF"
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from typing import Any, ClassVar, TypeAlias

from provml_kg.errors import EventValidationError

__all__ = [
    "SCHEMA_VERSION", "KINDS", "STATUSES", "STAGES", "SCOPES", "ROLES", "ENTITY_TYPES",
    "Scalar", "Event", "Persona", "Environment", "PlannedStep", "Implementation", "ErrorInfo",
    "Entity", "DataStore", "WorkflowStart", "WorkflowEnd", "TaskStart", "TaskEnd", "StageStart",
    "StageEnd", "SectionStart", "SectionEnd", "Hyperparameters", "Metric", "Data", "Model",
    "DomainRef", "validate", "from_dict", "to_dict", "to_json", "from_json", "dumps",
    "stable_id", "domain_ref_id", "metric_value", "check_id", "check_scalar",
]

SCHEMA_VERSION = 1
STATUSES = ("finished", "failed", "killed")
STAGES = ("training", "validation", "evaluation")
SCOPES = ("learning", "model")
ROLES = ("used", "generated")
ENTITY_TYPES = ("dataset", "feature_set", "file", "value", "domain", "model")
NONFINITE = {"NaN": math.nan, "INF": math.inf, "-INF": -math.inf}

Scalar: TypeAlias = str | int | float | bool | None

# Ids are appended to IRIs by the graph builder, so they keep to characters that need no escaping.
_ID_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:~-]{0,127}")
_HASH_RE = re.compile(r"(sha256|sha1|md5|blake2b):[0-9a-f]{16,128}")
_NAME_MAX = 1024
_TEXT_MAX = 8192

Check: TypeAlias = Callable[[str, Any], Any]


def _fail(path: str, value: Any, expected: str) -> EventValidationError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return EventValidationError(f"{path}: got {shown} ({type(value).__name__}); expected {expected}")


# ---------------------------------------------------------------- checks: (path, value) -> value
def _text(limit: int) -> Check:
    def check(path: str, value: Any) -> str:
        if type(value) is not str or not value or len(value) > limit:
            raise _fail(path, value, f"a non-empty string of at most {limit} characters")
        return value
    return check


_name = _text(_NAME_MAX)
_long_text = _text(_TEXT_MAX)


def check_id(path: str, value: Any) -> str:
    """Return ``value`` if it is a valid id, else raise :class:`EventValidationError`.

    Ids are 1 to 128 characters from ``A-Z a-z 0-9 _ . : ~ -``, not starting with ``.``, ``:``,
    ``~`` or ``-``: they go into IRIs unescaped.
    """
    if type(value) is not str or not _ID_RE.fullmatch(value):
        raise _fail(path, value, "an id: 1-128 characters from A-Z a-z 0-9 _ . : ~ - "
                                 "starting with a letter, digit or _")
    return value


def _int(minimum: int) -> Check:
    def check(path: str, value: Any) -> int:
        if type(value) is not int or value < minimum:
            raise _fail(path, value, f"an integer >= {minimum}")
        return value
    return check


_count = _int(0)


def _number(path: str, value: Any) -> float | int:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise _fail(path, value, "a finite number (int or float)")
    return value


def _metric_number(path: str, value: Any) -> float | int | str:
    if type(value) is str and value in NONFINITE:
        return value
    if type(value) not in (int, float):
        raise _fail(path, value, 'a number (int or float), or "NaN", "INF", "-INF"')
    if type(value) is float and not math.isfinite(value):
        return "NaN" if value != value else ("INF" if value > 0 else "-INF")
    return value


def _enum(values: tuple[str, ...]) -> Check:
    def check(path: str, value: Any) -> str:
        if value not in values or type(value) is not str:
            raise _fail(path, value, "one of " + ", ".join(repr(v) for v in values))
        return value
    return check


def _hash(path: str, value: Any) -> str:
    if type(value) is not str or not _HASH_RE.fullmatch(value):
        raise _fail(path, value, "'<algorithm>:<lowercase hex>' with algorithm sha256, sha1, "
                                 "md5 or blake2b, e.g. 'sha256:9f86d0...'")
    return value


def check_scalar(path: str, value: Any) -> Scalar:
    """Return ``value`` if it is a JSON scalar (str, int, finite float, bool, None), else raise."""
    if value is None or type(value) in (str, bool, int):
        return value
    if type(value) is float and math.isfinite(value):
        return value
    raise _fail(path, value, "a JSON scalar: str, int, finite float, bool or null "
                             "(convert other objects, e.g. with str() or float())")


def _scalar_map(path: str, value: Any) -> dict[str, Scalar]:
    if not isinstance(value, Mapping):
        raise _fail(path, value, "an object mapping names to scalars")
    out: dict[str, Scalar] = {}
    for key, item in value.items():
        if type(key) is not str or not key or len(key) > _NAME_MAX:
            raise _fail(f"{path} key", key, f"a non-empty string of at most {_NAME_MAX} characters")
        out[key] = check_scalar(f"{path}.{key}", item)
    return out


def _str_map(path: str, value: Any) -> dict[str, str]:
    out = _scalar_map(path, value)
    for key, item in out.items():
        if type(item) is not str:
            raise _fail(f"{path}.{key}", item, "a string")
    return out


def _list_of(item_check: Check, what: str) -> Check:
    def check(path: str, value: Any) -> list[Any]:
        if type(value) not in (list, tuple):
            raise _fail(path, value, f"a list of {what}")
        return [item_check(f"{path}[{i}]", item) for i, item in enumerate(value)]
    return check


def _nested(cls: type[_Record]) -> Check:
    def check(path: str, value: Any) -> dict[str, Any]:
        if isinstance(value, _Record):
            value = value.to_dict()
        return _validate_fields(cls, path, value, strict=True)
    check.nested = cls  # type: ignore[attr-defined]
    return check


def _nested_list(cls: type[_Record]) -> Check:
    item = _nested(cls)
    check = _list_of(item, f"{cls.__name__} objects")
    check.nested = cls  # type: ignore[attr-defined]
    check.many = True  # type: ignore[attr-defined]
    return check


def _f(check: Check, default: Any = MISSING, *, key: str | None = None) -> Any:
    """Declare a record field with its check; ``key`` renames it in JSON (``class`` is reserved)."""
    if isinstance(default, (dict, list)):
        raise TypeError("mutable default")
    return field(default=default, metadata={"check": check, "key": key})


# ---------------------------------------------------------------- records
@dataclass(kw_only=True)
class _Record:
    """Base of every record: ``to_dict`` drops absent (None) optional fields."""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dict of this record (validated; optional None fields left out)."""
        raw: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, _Record):
                value = value.to_dict()
            elif isinstance(value, list):
                value = [v.to_dict() if isinstance(v, _Record) else v for v in value]
            raw[f.metadata.get("key") or f.name] = value
        return raw


@dataclass(kw_only=True)
class Persona(_Record):
    """Who ran the workflow: a person's or service account's ``name`` and optional ``role``."""
    name: str = _f(_name)
    role: str | None = _f(_name, None)


@dataclass(kw_only=True)
class Environment(_Record):
    """Where one rank ran: host, MPI rank and size, device, Python, platform, package versions."""
    host: str = _f(_name)
    rank: int = _f(_count, 0)
    size: int = _f(_int(1), 1)
    device: str | None = _f(_name, None)
    python: str | None = _f(_name, None)
    platform: str | None = _f(_name, None)
    pid: int | None = _f(_count, None)
    packages: dict[str, str] | None = _f(_str_map, None)


@dataclass(kw_only=True)
class PlannedStep(_Record):
    """One planned stage of a workflow (prospective provenance)."""
    name: str = _f(_name)
    type: str = _f(_enum(("transformation",) + STAGES))
    attributes: list[str] | None = _f(_list_of(_name, "names"), None)
    after: list[str] | None = _f(_list_of(_name, "step names"), None)


@dataclass(kw_only=True)
class Implementation(_Record):
    """The software implementing an algorithm, e.g. ``sklearn.neural_network.MLPClassifier``."""
    name: str = _f(_name)
    version: str | None = _f(_name, None)


@dataclass(kw_only=True)
class ErrorInfo(_Record):
    """An exception that ended an execution."""
    type: str = _f(_name)
    message: str = _f(_text(_TEXT_MAX), "")
    traceback: str | None = _f(_text(4 * _TEXT_MAX), None)

    def __post_init__(self) -> None:
        if self.message == "":
            self.message = self.type


@dataclass(kw_only=True)
class Entity(_Record):
    """A data entity used or generated by an execution: dataset, feature set, file, value..."""
    id: str = _f(check_id)
    type: str = _f(_enum(ENTITY_TYPES))
    name: str = _f(_name)
    path: str | None = _f(_long_text, None)
    uri: str | None = _f(_long_text, None)
    hash: str | None = _f(_hash, None)
    size: int | None = _f(_count, None)
    rows: int | None = _f(_count, None)
    features: list[str] | None = _f(_list_of(_name, "feature names"), None)
    characteristics: dict[str, Scalar] | None = _f(_scalar_map, None)
    value: Scalar = _f(check_scalar, None)


@dataclass(kw_only=True)
class DataStore(_Record):
    """Where domain data lives: a file system, a database, an object store."""
    id: str = _f(check_id)
    type: str = _f(_name)
    uri: str | None = _f(_long_text, None)


@dataclass(kw_only=True)
class Event(_Record):
    """Base of every event: the common fields. ``KIND`` names the ``k`` of each subclass."""
    KIND: ClassVar[str] = ""
    wf: str = _f(check_id)
    t: float = _f(_number)
    r: int = _f(_count, 0)
    seq: int = _f(_count, 0)

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict, ``v`` and ``k`` first."""
        body = _Record.to_dict(self)
        return validate({"v": SCHEMA_VERSION, "k": self.KIND, **body})


@dataclass(kw_only=True)
class WorkflowStart(Event):
    """A workflow execution (one rank's part of it under MPI) started."""
    KIND: ClassVar[str] = "workflow_start"
    name: str = _f(_name)
    study: str | None = _f(_name, None)
    experiment: str | None = _f(_name, None)
    persona: Persona | None = _f(_nested(Persona), None)
    env: Environment | None = _f(_nested(Environment), None)
    spec: list[PlannedStep] | None = _f(_nested_list(PlannedStep), None)
    params: dict[str, Scalar] | None = _f(_scalar_map, None)
    tags: dict[str, Scalar] | None = _f(_scalar_map, None)


@dataclass(kw_only=True)
class WorkflowEnd(Event):
    """A workflow execution (one rank's part) ended."""
    KIND: ClassVar[str] = "workflow_end"
    status: str = _f(_enum(STATUSES))
    error: ErrorInfo | None = _f(_nested(ErrorInfo), None)


@dataclass(kw_only=True)
class TaskStart(Event):
    """A data transformation execution started."""
    KIND: ClassVar[str] = "task_start"
    id: str = _f(check_id)
    name: str = _f(_name)
    parent: str | None = _f(check_id, None)
    params: dict[str, Scalar] | None = _f(_scalar_map, None)


@dataclass(kw_only=True)
class TaskEnd(Event):
    """A data transformation execution ended."""
    KIND: ClassVar[str] = "task_end"
    id: str = _f(check_id)
    status: str = _f(_enum(STATUSES))
    error: ErrorInfo | None = _f(_nested(ErrorInfo), None)


@dataclass(kw_only=True)
class StageStart(Event):
    """A learning-stage execution (training, validation or evaluation) started."""
    KIND: ClassVar[str] = "stage_start"
    id: str = _f(check_id)
    stage: str = _f(_enum(STAGES))
    name: str = _f(_name)
    parent: str | None = _f(check_id, None)
    algorithm: str | None = _f(_name, None)
    implementation: Implementation | None = _f(_nested(Implementation), None)
    task: str | None = _f(_name, None)


@dataclass(kw_only=True)
class StageEnd(Event):
    """A learning-stage execution ended."""
    KIND: ClassVar[str] = "stage_end"
    id: str = _f(check_id)
    status: str = _f(_enum(STATUSES))
    error: ErrorInfo | None = _f(_nested(ErrorInfo), None)


@dataclass(kw_only=True)
class SectionStart(Event):
    """A section (epoch, batch, fold) of a learning-stage execution started."""
    KIND: ClassVar[str] = "section_start"
    id: str = _f(check_id)
    parent: str = _f(check_id)
    section: str = _f(_name)
    index: int = _f(_count)


@dataclass(kw_only=True)
class SectionEnd(Event):
    """A section of a learning-stage execution ended."""
    KIND: ClassVar[str] = "section_end"
    id: str = _f(check_id)
    status: str = _f(_enum(STATUSES), "finished")
    error: ErrorInfo | None = _f(_nested(ErrorInfo), None)


@dataclass(kw_only=True)
class Hyperparameters(Event):
    """Learning (``scope="learning"``) or model (``scope="model"``) hyperparameter values."""
    KIND: ClassVar[str] = "hyperparameters"
    exec: str = _f(check_id)
    scope: str = _f(_enum(SCOPES))
    values: dict[str, Scalar] = _f(_scalar_map)


@dataclass(kw_only=True)
class Metric(Event):
    """One value of an evaluation measure computed in an execution (non-finite floats allowed)."""
    KIND: ClassVar[str] = "metric"
    exec: str = _f(check_id)
    name: str = _f(_name)
    value: float = _f(_metric_number)
    step: int | None = _f(_count, None)
    model: str | None = _f(check_id, None)
    data: list[str] | None = _f(_list_of(check_id, "entity ids"), None)
    procedure: str | None = _f(_name, None)


@dataclass(kw_only=True)
class Data(Event):
    """An execution used or generated a data entity."""
    KIND: ClassVar[str] = "data"
    exec: str = _f(check_id)
    role: str = _f(_enum(ROLES))
    entity: Entity = _f(_nested(Entity))
    derived_from: list[str] | None = _f(_list_of(check_id, "entity ids"), None)


@dataclass(kw_only=True)
class Model(Event):
    """A training execution generated a model."""
    KIND: ClassVar[str] = "model"
    exec: str = _f(check_id)
    id: str = _f(check_id)
    name: str = _f(_name)
    path: str | None = _f(_long_text, None)
    hash: str | None = _f(_hash, None)
    size: int | None = _f(_count, None)
    framework: str | None = _f(_name, None)
    derived_from: list[str] | None = _f(_list_of(check_id, "entity ids"), None)


@dataclass(kw_only=True)
class DomainRef(Event):
    """A reference to domain data (file, database record, seismic cube) in a data store."""
    KIND: ClassVar[str] = "domain_ref"
    id: str = _f(check_id)
    store: DataStore = _f(_nested(DataStore))
    identifier: str = _f(_long_text)
    domain_class: str | None = _f(_long_text, None, key="class")
    attributes: dict[str, Scalar] | None = _f(_scalar_map, None)
    related_to: list[str] | None = _f(_list_of(check_id, "entity ids"), None)
    exec: str | None = _f(check_id, None)
    role: str | None = _f(_enum(ROLES), None)


KINDS: dict[str, type[Event]] = {cls.KIND: cls for cls in (
    WorkflowStart, WorkflowEnd, TaskStart, TaskEnd, StageStart, StageEnd, SectionStart,
    SectionEnd, Hyperparameters, Metric, Data, Model, DomainRef)}


# ---------------------------------------------------------------- validation and (de)serialisation
def _fields_by_key(cls: type[_Record]) -> dict[str, dataclasses.Field[Any]]:
    cached = _FIELD_CACHE.get(cls)
    if cached is None:
        cached = {f.metadata.get("key") or f.name: f for f in dataclasses.fields(cls)}
        _FIELD_CACHE[cls] = cached
    return cached


_FIELD_CACHE: dict[type, dict[str, dataclasses.Field[Any]]] = {}


def _validate_fields(cls: type[_Record], path: str, value: Any, *, strict: bool) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, value, f"an object ({cls.__name__})")
    fields = _fields_by_key(cls)
    out: dict[str, Any] = {}
    for key, f in fields.items():
        if key in value and value[key] is not None:
            out[key] = f.metadata["check"](f"{path}.{key}", value[key])
        elif f.default is MISSING:
            raise EventValidationError(f"{path}.{key}: missing; it is required "
                                       f"(required fields: {', '.join(_required(cls))})")
    extra = [k for k in value if k not in fields and k not in ("v", "k")]
    if extra:
        if strict:
            raise EventValidationError(f"{path}: unknown field(s) {', '.join(map(repr, extra))}; "
                                       f"known fields: {', '.join(fields)}")
        for key in extra:
            out[key] = value[key]
    return out


def _required(cls: type[_Record]) -> list[str]:
    return [k for k, f in _fields_by_key(cls).items() if f.default is MISSING]


def validate(event: Mapping[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """Check one event dict and return a normalised copy, ``v`` and ``k`` first.

    Non-finite metric values become the strings ``"NaN"``, ``"INF"``, ``"-INF"``. With
    ``strict=False`` unknown fields are kept instead of refused (for readers of newer events).

    Raises:
        EventValidationError: naming the field, the bad value and what is valid.
    """
    if not isinstance(event, Mapping):
        raise _fail("event", event, "an object with fields v, k, wf, t, r, seq, ...")
    version = event.get("v")
    if version != SCHEMA_VERSION or type(version) is not int:
        raise _fail("event.v", version, f"the schema version {SCHEMA_VERSION}")
    kind = event.get("k")
    cls = KINDS.get(kind) if type(kind) is str else None
    if cls is None:
        raise _fail("event.k", kind, "one of " + ", ".join(KINDS))
    body = _validate_fields(cls, kind, event, strict=strict)
    return {"v": SCHEMA_VERSION, "k": kind, **body}


def _build(cls: type[_Record], data: Mapping[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for key, f in _fields_by_key(cls).items():
        if key not in data:
            continue
        value = data[key]
        nested = getattr(f.metadata["check"], "nested", None)
        if nested is not None:
            if getattr(f.metadata["check"], "many", False):
                value = [_build(nested, item) for item in value]
            else:
                value = _build(nested, value)
        elif key == "value" and cls is Metric and type(value) is str:
            value = NONFINITE[value]
        kwargs[f.name] = value
    return cls(**kwargs)


def from_dict(event: Mapping[str, Any]) -> Event:
    """Validate an event dict and return its typed record (e.g. a :class:`Metric`).

    Raises:
        EventValidationError: the dict is not a valid event.
    """
    clean = validate(event)
    return _build(KINDS[clean["k"]], clean)


def to_dict(event: Event | Mapping[str, Any]) -> dict[str, Any]:
    """Return the validated JSON-ready dict of a record or of an event dict."""
    if isinstance(event, Event):
        return event.to_dict()
    return validate(event)


def dumps(event: Mapping[str, Any]) -> str:
    """Serialise an already validated event dict as one compact JSON line (no newline)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def to_json(event: Event | Mapping[str, Any]) -> str:
    """Validate and serialise an event (record or dict) as one compact JSON line."""
    return dumps(to_dict(event))


def from_json(line: str | bytes, *, check: bool = True) -> dict[str, Any]:
    """Parse one JSON line into an event dict, validated unless ``check=False``.

    Raises:
        EventValidationError: the line is not JSON or not a valid event.
    """
    try:
        event = json.loads(line)
    except ValueError as bad:
        raise _fail("line", line, f"one JSON object ({bad})") from None
    return validate(event) if check else event


def metric_value(event: Mapping[str, Any]) -> float:
    """Return a metric event's ``value`` as a float (``"NaN"``/``"INF"``/``"-INF"`` decoded)."""
    value = event["value"]
    return NONFINITE[value] if type(value) is str else float(value)


def stable_id(prefix: str, *parts: str) -> str:
    """Return a deterministic id ``<prefix>-<32 hex>`` derived from ``parts`` (sha256).

    >>> stable_id("dr", "seismic-fs", "cubes/f3.npy") == stable_id("dr", "seismic-fs", "cubes/f3.npy")
    True
    """
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return check_id("prefix", f"{prefix}-{digest}")


def domain_ref_id(store_id: str, identifier: str) -> str:
    """Return the id of a domain reference: the same store and identifier give the same id."""
    return stable_id("dr", store_id, identifier)
