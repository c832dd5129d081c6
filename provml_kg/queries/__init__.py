"""The stored-query library: ``queries/*.rq`` as named, documented, parameterised queries.

Each ``NAME.rq`` file is plain SPARQL 1.1 that any tool runs unchanged; its leading comment
lines carry the metadata (see ``docs/queries.md``)::

    # title: Lineage of a model
    # description: Every raw domain file and dataset the model comes from, across workflows.
    # area: data curation
    # param: model (iri)  IRI of a provml:Model
    # param: limit (integer, optional)  ...
    PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT ?model ?ancestor WHERE { ?model prov:wasDerivedFrom+ ?ancestor }

A parameter is a query variable that :meth:`StoredQuery.bind` turns into an RDF term; the
query runs with those terms as inline data (a ``VALUES`` block opening each ``WHERE`` group,
written by pyoxigraph's term serialiser: see :meth:`StoredQuery.bound_text`), never with user
text pasted into it. Every parameter variable must appear in the ``SELECT`` clause (the
library refuses a file that breaks the rule), so the same file also runs with pyoxigraph
``substitutions`` (SPARQL SEP-0007) and with a trailing ``VALUES`` block on a remote store. A
parameter left unbound (only allowed for ``optional`` ones) is an ordinary variable: the query
then answers for every value.

>>> from pyoxigraph import Store
>>> q = load_queries()["model_hyperparameters"]
>>> [p.name for p in q.params]
['model']
>>> q.bind(model="https://example.org/model/m1")
{<Variable value=model>: <NamedNode value=https://example.org/model/m1>}
>>> q.bind()
Traceback (most recent call last):
...
provml_kg.errors.ParameterError: query 'model_hyperparameters': missing parameter 'model'; expected: model (iri, required): IRI of a provml:Model
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import Literal, NamedNode, QuerySolutions, Store, Variable

from provml_kg.errors import InputError, ParameterError, QueryError, UnknownQueryError
from provml_kg.graph.iri import DATA_BASE
from provml_kg.queries.results import (
    compact_iri, display_term, solutions_to_rows, term_to_python,
)
from provml_kg.resources import queries_dir
from provml_kg.vocab import XSD, prefixes

__all__ = [
    "KINDS", "Param", "StoredQuery", "load_query", "load_queries", "get_query", "run_query",
    "parse_header", "term_to_python", "solutions_to_rows", "compact_iri", "display_term",
]

Term = NamedNode | Literal

KINDS: tuple[str, ...] = ("iri", "string", "integer", "double", "boolean", "datetime")
"""The parameter kinds a ``# param:`` line may declare (``literal`` is read as ``string``)."""

_KIND_ALIASES = {"literal": "string", "str": "string", "int": "integer", "float": "double",
                 "decimal": "double", "bool": "boolean", "dateTime": "datetime"}
_HEADER_KEYS = ("title", "description", "area", "param", "bind")
# How a query receives its parameters: inline VALUES data (default) or pyoxigraph substitutions.
BIND_MODES = ("values", "substitutions")
_LINE_RE = re.compile(r"#\s?(?P<key>[A-Za-z]+):\s*(?P<rest>.*)$")
_PARAM_RE = re.compile(
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<spec>[^)]*)\))?\s*(?P<description>.*)$"
)
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class QueryTarget(Protocol):
    """Anything with a pyoxigraph-like ``query(text, substitutions=...)``: a KnowledgeGraph."""

    def query(self, sparql: str, *, substitutions: Mapping[Variable, Any] | None = ...) -> Any: ...


@dataclass(frozen=True)
class Param:
    """One parameter of a stored query: a variable of the query bound to a term of ``kind``."""

    name: str
    kind: str
    description: str
    optional: bool = False

    def describe(self) -> str:
        """Return ``name (kind, required|optional): description`` for messages and listings."""
        need = "optional" if self.optional else "required"
        return f"{self.name} ({self.kind}, {need}): {self.description}"

    def to_term(self, value: Any, *, query: str = "?") -> Term:
        """Convert a Python value (or a command-line string) into the RDF term to bind.

        IRIs are given in full (``https://...``) or as a prefixed name with a known prefix
        (``provml:TrainingExecution``); pyoxigraph terms pass through unchanged.

        Raises:
            InputError: the value does not fit the kind (the message names both).
        """
        if isinstance(value, (NamedNode, Literal)):
            return value
        where = f"query {query!r}: parameter {self.name!r}"
        if self.kind == "iri":
            return _to_iri(value, where)
        if self.kind == "string":
            if not isinstance(value, str):
                raise InputError(f"{where}: got {value!r}; expected a string")
            return Literal(value)
        if self.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise InputError(f"{where}: got {value!r}; expected an integer")
            try:
                return Literal(int(value))
            except ValueError:
                raise InputError(f"{where}: got {value!r}; expected an integer") from None
        if self.kind == "double":
            try:
                if isinstance(value, bool):
                    raise ValueError
                return Literal(float(value))
            except (TypeError, ValueError):
                raise InputError(f"{where}: got {value!r}; expected a number") from None
        if self.kind == "boolean":
            if isinstance(value, bool):
                return Literal(value)
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                return Literal(value.lower() in ("true", "1"))
            raise InputError(f"{where}: got {value!r}; expected true or false")
        if self.kind == "datetime":
            return _to_datetime(value, where)
        raise QueryError(f"{where}: unknown kind {self.kind!r}")  # pragma: no cover


def _to_iri(value: Any, where: str) -> NamedNode:
    if not isinstance(value, str):
        raise InputError(f"{where}: got {value!r}; expected an IRI string")
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    prefix, sep, local = text.partition(":")
    known = {**prefixes(), "id": DATA_BASE}
    if sep and prefix in known and not local.startswith("//"):
        text = known[prefix] + local
    try:
        return NamedNode(text)
    except ValueError as bad:
        raise InputError(
            f"{where}: {value!r} is not an absolute IRI ({bad}); give a full IRI such as "
            f"https://w3id.org/provml/... or a prefixed name with one of: {', '.join(known)}"
        ) from None


def _to_datetime(value: Any, where: str) -> Literal:
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = _dt.datetime.fromisoformat(value)
        except ValueError:
            raise InputError(f"{where}: got {value!r}; expected an ISO 8601 date-time, "
                             "e.g. 2026-11-22T08:00:00+00:00") from None
    else:
        raise InputError(f"{where}: got {value!r}; expected an ISO 8601 date-time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.timezone.utc)
    return Literal(moment.isoformat(), datatype=XSD.dateTime)


# The opening brace of a WHERE group: the outer query's and every sub-query's (the files
# always write the keyword; tests/test_queries.py checks that).
_WHERE_GROUP = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class StoredQuery:
    """A stored query: its file stem ``name``, metadata, parameters and SPARQL ``text``."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    area: str = ""
    path: Path | None = None
    bind_mode: str = "values"

    @property
    def param_names(self) -> tuple[str, ...]:
        """The parameter names, in declaration order."""
        return tuple(p.name for p in self.params)

    def expected(self) -> str:
        """Return the parameters as one line for error messages (``none`` when there are none)."""
        return "; ".join(p.describe() for p in self.params) or "none"

    def bind(self, **values: Any) -> dict[Variable, Term]:
        """Return the ``substitutions`` mapping for ``values`` (parameter name -> value).

        ``None`` leaves an optional parameter unbound.

        Raises:
            ParameterError: a required parameter is missing or an unknown one is given; the
                message lists the expected parameters.
            InputError: a value does not fit its parameter's kind (e.g. a bad IRI).
        """
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ParameterError(
                f"query {self.name!r}: unknown parameter{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(map(repr, unknown))}; expected: {self.expected()}")
        missing = [p.name for p in self.params if not p.optional and values.get(p.name) is None]
        if missing:
            raise ParameterError(
                f"query {self.name!r}: missing parameter{'s' if len(missing) > 1 else ''} "
                f"{', '.join(map(repr, missing))}; expected: {self.expected()}")
        return {
            Variable(name): known[name].to_term(value, query=self.name)
            for name, value in values.items()
            if value is not None
        }

    def run(self, target: Store | QueryTarget, **values: Any) -> QuerySolutions:
        """Bind ``values`` and run the query on ``target`` over the union of its graphs.

        ``target`` is a pyoxigraph ``Store`` or anything with a ``query(text,
        substitutions=...)`` method that queries the union of named graphs (a KnowledgeGraph).

        Raises:
            ParameterError, InputError: as :meth:`bind`.
            QueryError: the store failed to evaluate the query.
        """
        return self.run_bound(target, self.bind(**values))

    def bound_text(self, substitutions: Mapping[Variable, Term]) -> str:
        """Return the query text with ``substitutions`` (from :meth:`bind`) as inline data.

        A ``VALUES`` block of the bound terms opens every ``WHERE`` group (the outer one and
        each sub-query's), which gives the substitution semantics of SEP-0007: every scope sees
        the parameter bound. The terms are written by pyoxigraph's own term serialiser (IRIs
        and literals validated and escaped by :meth:`bind`), never pasted from user text.
        Oxigraph plans a join from the inline data, and a query bound this way ran 10-100x
        faster than with ``substitutions``, which are applied after the plan is made.
        """
        if not substitutions:
            return self.text
        names = " ".join(f"?{v.value}" for v in substitutions)
        terms = " ".join(str(term) for term in substitutions.values())
        block = f"VALUES ({names}) {{ ({terms}) }}"
        lines = []
        for line in self.text.splitlines(keepends=True):
            if not line.lstrip().startswith("#"):
                line = _WHERE_GROUP.sub(lambda m: f"{m.group(0)} {block}", line)
            lines.append(line)
        return "".join(lines)

    def prepare(self, substitutions: Mapping[Variable, Term]
                ) -> tuple[str, Mapping[Variable, Term]]:
        """Return ``(text, substitutions)`` to evaluate, following the file's ``# bind:`` mode.

        ``values`` (the default): :meth:`bound_text` and no substitutions. ``substitutions``:
        the text unchanged and the substitutions, for the queries whose plan Oxigraph makes
        worse when it sees the values (measured with ``scripts/bench_queries.py``).
        """
        if self.bind_mode == "substitutions":
            return self.text, substitutions
        return self.bound_text(substitutions), {}

    def run_bound(self, target: Store | QueryTarget,
                  substitutions: Mapping[Variable, Term]) -> QuerySolutions:
        """Run the query with ``substitutions`` made by :meth:`bind` (see :meth:`prepare`).

        Raises:
            QueryError: the store failed to evaluate the query.
        """
        text, subs = self.prepare(substitutions)
        try:
            if isinstance(target, Store):
                return target.query(text, substitutions=subs, use_default_graph_as_union=True)
            return target.query(text, substitutions=subs)
        except (SyntaxError, OSError, RuntimeError) as failed:
            raise QueryError(f"query {self.name!r} failed: {failed}") from failed

    def rows(self, target: Store | QueryTarget, **values: Any) -> list[dict[str, Any]]:
        """Run the query and return its rows as dicts of plain Python values (see
        :func:`term_to_python`); unbound cells are left out of a row."""
        return solutions_to_rows(self.run(target, **values), python=True)


def parse_header(text: str, *, name: str = "?") -> tuple[str, str, str, tuple[Param, ...]]:
    """Parse the leading comment block of a ``.rq`` file.

    Returns:
        ``(title, description, area, params)``. A line ``#   more`` (indented) continues
        the previous key.

    Raises:
        QueryError: a key is unknown or repeated, a parameter line is malformed, or the
            title or description is missing.
    """
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
        if match and match["key"] in _HEADER_KEYS:
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
                             f"known keys: {', '.join(_HEADER_KEYS)}")
        elif last in ("title", "description", "area") and line[1:].strip():
            fields[last].append(line[1:].strip())
        elif last == "param" and line[1:].strip():
            head = params[-1]
            params[-1] = Param(head.name, head.kind, f"{head.description} {line[1:].strip()}",
                               head.optional)
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


def _parse_param(rest: str, name: str) -> Param:
    match = _PARAM_RE.match(rest)
    if not match or not match["spec"]:
        raise QueryError(f"query {name!r}: bad '# param:' line {rest!r}; expected "
                         "'# param: NAME (KIND[, optional])  description', KIND one of "
                         + ", ".join(KINDS))
    spec = [s.strip() for s in match["spec"].split(",") if s.strip()]
    kind = _KIND_ALIASES.get(spec[0], spec[0]) if spec else ""
    if kind not in KINDS or any(s != "optional" for s in spec[1:]):
        raise QueryError(f"query {name!r}: parameter {match['name']!r} has spec "
                         f"({match['spec']}); expected (KIND) or (KIND, optional) with KIND one "
                         f"of {', '.join(KINDS)}")
    description = match["description"].strip()
    if not description:
        raise QueryError(f"query {name!r}: parameter {match['name']!r} needs a description")
    return Param(match["name"], kind, description, optional="optional" in spec[1:])


def load_query(path: Path) -> StoredQuery:
    """Read one ``.rq`` file and return its :class:`StoredQuery` (name = file stem).

    Raises:
        QueryError: the header is malformed, the SPARQL does not parse, or a parameter is not
            a projected variable of the query.
    """
    name = path.stem
    if not _NAME_RE.fullmatch(name):
        raise QueryError(f"{path}: a stored query's file name must be an identifier "
                         "(letters, digits, _)")
    text = path.read_text(encoding="utf-8")
    title, description, area, params = parse_header(text, name=name)
    query = StoredQuery(name=name, title=title, description=description, params=params,
                        text=text, area=area, path=path, bind_mode=_bind_mode(text, name))
    projected = _projection(query)
    wrong = [p.name for p in params if p.name not in projected]
    if wrong:
        raise QueryError(
            f"query {name!r}: parameter(s) {', '.join(wrong)} must be variables in the SELECT "
            f"projection (SEP-0007 substitutes projected variables only); projected: "
            f"{', '.join(sorted(projected)) or 'nothing'}")
    return query


def _bind_mode(text: str, name: str) -> str:
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _LINE_RE.match(line.strip())
        if match and match["key"] == "bind":
            mode = match["rest"].strip()
            if mode not in BIND_MODES:
                raise QueryError(f"query {name!r}: '# bind: {mode}'; expected one of "
                                 f"{', '.join(BIND_MODES)}")
            return mode
    return "values"


def _projection(query: StoredQuery) -> set[str]:
    try:
        result = Store().query(query.text)
    except SyntaxError as bad:
        raise QueryError(f"query {query.name!r} ({query.path}): SPARQL syntax error: {bad}") from None
    if not isinstance(result, QuerySolutions):
        raise QueryError(f"query {query.name!r}: stored queries must be SELECT queries")
    return {v.value for v in result.variables}


def load_queries(directory: Path | None = None) -> dict[str, StoredQuery]:
    """Load every ``*.rq`` file of ``directory`` (default: the shipped ``queries/``).

    Returns:
        name -> :class:`StoredQuery`, sorted by name.

    Raises:
        QueryError: a file is malformed (see :func:`load_query`).
        OntologyError: the default folder cannot be found.
    """
    folder = queries_dir() if directory is None else Path(directory)
    return {path.stem: load_query(path) for path in sorted(folder.glob("*.rq"))}


def get_query(name: str, directory: Path | None = None) -> StoredQuery:
    """Return the stored query ``name``.

    Raises:
        UnknownQueryError: no such query; the message lists the known names.
    """
    folder = queries_dir() if directory is None else Path(directory)
    path = folder / f"{name}.rq"
    if not _NAME_RE.fullmatch(name) or not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.rq")))
        raise UnknownQueryError(f"no stored query named {name!r}; known queries: {known}")
    return load_query(path)


def run_query(target: Store | QueryTarget, name: str, /, **params: Any) -> QuerySolutions:
    """Run the stored query ``name`` on ``target`` with keyword ``params``.

    >>> from pyoxigraph import Store
    >>> list(run_query(Store(), "failed_executions"))
    []

    Raises:
        UnknownQueryError: no such query (the known names are listed).
        ParameterError, InputError: see :meth:`StoredQuery.bind`.
        QueryError: evaluation failed.
    """
    return get_query(name).run(target, **params)
