"""The metadata header of a ``.rq`` file: title, description, area, parameters, binding mode."""

from __future__ import annotations

import re

from provml_kg.errors import QueryError
from provml_kg.queries.params import KIND_ALIASES, KINDS, Param

__all__ = ["BIND_MODES", "parse_header", "bind_mode"]

HEADER_KEYS = ("title", "description", "area", "param", "bind")
BIND_MODES = ("values", "substitutions")
"""How a query receives its parameters: inline VALUES data (default) or pyoxigraph substitutions."""
_LINE_RE = re.compile(r"#\s?(?P<key>[A-Za-z]+):\s*(?P<rest>.*)$")
_PARAM_RE = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<spec>[^)]*)\))?\s*(?P<description>.*)$"
)


def parse_header(text: str, *, name: str = "?") -> tuple[str, str, str, tuple[Param, ...]]:
    """Parse the leading comment block of a ``.rq`` file.

    Returns:
        ``(title, description, area, params)``. A line ``#   more`` (indented) continues
        the previous key.

    Raises:
        QueryError: a key is unknown or repeated, a parameter line is malformed, or the
            title or description is missing.
    """
    fields, params = _read_header(text, name)
    for key in ("title", "description"):
        if not " ".join(fields.get(key, [])).strip():
            raise QueryError(f"query {name!r}: the header needs a '# {key}:' line")
    seen: set[str] = set()
    for param in params:
        if param.name in seen:
            raise QueryError(f"query {name!r}: parameter {param.name!r} is declared twice")
        seen.add(param.name)
    return (" ".join(fields["title"]), " ".join(fields["description"]),
            " ".join(fields.get("area", [])), tuple(params))


def bind_mode(text: str, name: str = "?") -> str:
    """Return the ``# bind:`` mode of a ``.rq`` file's header (``values`` when absent).

    Raises:
        QueryError: the mode is not one of :data:`BIND_MODES`, or the header is malformed.
    """
    fields, _ = _read_header(text, name)
    mode = " ".join(fields.get("bind", ["values"]))
    if mode not in BIND_MODES:
        raise QueryError(f"query {name!r}: '# bind: {mode}'; expected one of "
                         f"{', '.join(BIND_MODES)}")
    return mode


def _read_header(text: str, name: str) -> tuple[dict[str, list[str]], list[Param]]:
    """The header's keys (with their continuation lines) and its parameters, in order."""
    fields: dict[str, list[str]] = {}
    params: list[Param] = []
    last: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        match = _LINE_RE.match(line)
        if match and match["key"] in HEADER_KEYS:
            key, rest = match["key"], match["rest"].strip()
            if key == "param":
                params.append(_parse_param(rest, name))
            elif key in fields:
                raise QueryError(f"query {name!r}: header key {key!r} is repeated")
            else:
                fields[key] = [rest]
            last = key
        elif match and not line[1:].startswith("  "):
            raise QueryError(f"query {name!r}: unknown header key {match['key']!r}; "
                             f"known keys: {', '.join(HEADER_KEYS)}")
        elif last in ("title", "description", "area") and line[1:].strip():
            fields[last].append(line[1:].strip())
        elif last == "param" and line[1:].strip():
            head = params[-1]
            params[-1] = Param(head.name, head.kind, f"{head.description} {line[1:].strip()}",
                               head.optional)
    return fields, params


def _parse_param(rest: str, name: str) -> Param:
    match = _PARAM_RE.match(rest)
    if not match or not match["spec"]:
        raise QueryError(f"query {name!r}: bad '# param:' line {rest!r}; expected "
                         "'# param: NAME (KIND[, optional])  description', KIND one of "
                         + ", ".join(KINDS))
    spec = [s.strip() for s in match["spec"].split(",") if s.strip()]
    kind = KIND_ALIASES.get(spec[0], spec[0]) if spec else ""
    if kind not in KINDS or any(s != "optional" for s in spec[1:]):
        raise QueryError(f"query {name!r}: parameter {match['name']!r} has spec "
                         f"({match['spec']}); expected (KIND) or (KIND, optional) with KIND one "
                         f"of {', '.join(KINDS)}")
    description = match["description"].strip()
    if not description:
        raise QueryError(f"query {name!r}: parameter {match['name']!r} needs a description")
    return Param(match["name"], kind, description, optional="optional" in spec[1:])
