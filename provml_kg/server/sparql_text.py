"""What the endpoint needs to know about a query's text without evaluating it.

pyoxigraph parses queries in Rust and exposes no syntax tree, so the two protocol rules that
depend on the text are decided on a *masked* copy, where strings, IRIs and comments are blanked:

- a query with FROM / FROM NAMED defines its own dataset, so the union default graph is not
  imposed on it (pyoxigraph's option would override the FROM clauses);
- ``using-graph-uri`` / ``using-named-graph-uri`` become ``USING`` clauses before each top-level
  ``WHERE`` of an update (the protocol's equivalent), and are refused when the update already has
  ``USING`` or ``WITH``. The IRIs are checked by :class:`pyoxigraph.NamedNode` and written in its
  canonical ``<...>`` form, so nothing a client sends can leave the IRI.
"""

from __future__ import annotations

import re

from provml_kg.errors import InputError
from provml_kg.server.negotiation import iri

__all__ = ["mask", "has_dataset", "add_using"]

_TOKENS = re.compile(
    r"'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''"
    r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.S,
)
_FROM = re.compile(r"(?<![\w:?$])FROM(?![\w:-])", re.I)
_KEYWORD = re.compile(r"(?<![\w:?$])(WHERE|USING|WITH|DELETE)(?![\w:-])|[{}]", re.I)


def mask(text: str) -> str:
    """Return ``text`` with every string, IRI and comment replaced by spaces (same length)."""
    return _TOKENS.sub(lambda m: " " * len(m.group()), text)


def has_dataset(query: str) -> bool:
    """Return whether the query text has a FROM or FROM NAMED clause."""
    return _FROM.search(mask(query)) is not None


def add_using(update: str, graphs: tuple[str, ...], named: tuple[str, ...]) -> str:
    """Return ``update`` with ``USING <g>`` / ``USING NAMED <n>`` before each top-level WHERE.

    Raises:
        InputError: the update already has USING or WITH (the protocol forbids both), or an IRI
            is invalid.
    """
    if not graphs and not named:
        return update
    clauses = " ".join([f"USING {iri(g, 'using-graph-uri')}" for g in graphs]
                       + [f"USING NAMED {iri(n, 'using-named-graph-uri')}" for n in named])
    masked = mask(update)
    depth = 0
    previous = ""
    inserts: list[int] = []
    for match in _KEYWORD.finditer(masked):
        token = match.group().upper()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and token in ("USING", "WITH"):
            raise InputError(f"the update has a {token} clause and the request has "
                             "using-graph-uri/using-named-graph-uri; give the dataset one way")
        elif depth == 0 and token == "WHERE" and previous != "DELETE":
            inserts.append(match.start())
        previous = token
    for position in reversed(inserts):
        update = f"{update[:position]}{clauses} {update[position:]}"
    return update
