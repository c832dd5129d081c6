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

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import QuerySolutions, Store, Variable

from provml_kg.errors import ParameterError, QueryError, UnknownQueryError
from provml_kg.queries.header import BIND_MODES, bind_mode, parse_header
from provml_kg.queries.params import KINDS, Param, Term
from provml_kg.queries.results import (
    compact_iri, display_term, solutions_to_rows, term_to_python,
)
from provml_kg.resources import queries_dir

__all__ = [
    "KINDS", "BIND_MODES", "Param", "StoredQuery", "load_query", "load_queries", "get_query",
    "run_query", "parse_header", "term_to_python", "solutions_to_rows", "compact_iri",
    "display_term",
]

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class QueryTarget(Protocol):
    """Anything with a pyoxigraph-like ``query(text, substitutions=...)``: a KnowledgeGraph."""

    def query(self, sparql: str, *, substitutions: Mapping[Variable, Any] | None = ...) -> Any: ...


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
                        text=text, area=area, path=path, bind_mode=bind_mode(text, name))
    projected = _projection(query)
    wrong = [p.name for p in params if p.name not in projected]
    if wrong:
        raise QueryError(
            f"query {name!r}: parameter(s) {', '.join(wrong)} must be variables in the SELECT "
            f"projection (SEP-0007 substitutes projected variables only); projected: "
            f"{', '.join(sorted(projected)) or 'nothing'}")
    return query


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
