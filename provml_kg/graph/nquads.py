"""RDF terms and quads written directly as N-Quads text, the form the mapping produces.

The mapping from events to quads runs for every event of every spool; building pyoxigraph
``NamedNode`` / ``Literal`` / ``Quad`` objects and then serialising them cost about 3 µs a quad,
building the N-Quads line as a string about 0.5 µs. Terms here are strings in N-Quads syntax
(``<iri>``, ``"text"``, ``"1.5"^^<xsd:double>``) and :func:`quad` joins four of them into one
line. Only IRIs that are already valid reach :func:`iri` (minted ones are percent-encoded;
user-given ones are checked by :func:`checked_iri`), and :func:`string` escapes what N-Quads
requires, so a line always parses to the quad the object route would have built.

>>> quad(iri("http://ex/s"), iri("http://ex/p"), string('say "hi"'), iri("http://ex/g"))
'<http://ex/s> <http://ex/p> "say \\\\"hi\\\\"" <http://ex/g> .\\n'
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

from pyoxigraph import NamedNode

__all__ = ["iri", "checked_iri", "string", "typed", "quad", "datetime_lexical", "XSD_INTEGER",
           "XSD_DOUBLE", "XSD_BOOLEAN", "XSD_DATETIME", "XSD_ANYURI"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_INTEGER = f"<{_XSD}integer>"
XSD_DOUBLE = f"<{_XSD}double>"
XSD_BOOLEAN = f"<{_XSD}boolean>"
XSD_DATETIME = f"<{_XSD}dateTime>"
XSD_ANYURI = f"<{_XSD}anyURI>"

# the characters N-Quads string literals cannot hold as they are (STRING_LITERAL_QUOTE)
_ESCAPES = str.maketrans({'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"})


def iri(value: str) -> str:
    """Return ``<value>``: for IRIs the caller knows are valid (minted or vocabulary)."""
    return f"<{value}>"


def checked_iri(value: str) -> str:
    """Return ``<value>`` for an IRI from user input, after pyoxigraph has parsed it.

    Raises:
        ValueError: ``value`` is not an absolute IRI.
    """
    return str(NamedNode(value))


def string(value: str) -> str:
    """Return an ``xsd:string`` literal (written without its datatype, as N-Quads allows).

    Raises:
        ValueError: ``value`` holds a lone surrogate (it has no UTF-8 form).
    """
    if not value.isascii():
        value.encode()  # a lone surrogate from a JSON "\\ud800" escape raises here
    if '"' in value or "\\" in value or "\n" in value or "\r" in value:
        value = value.translate(_ESCAPES)
    return f'"{value}"'


def typed(lexical: str, datatype: str) -> str:
    """Return a literal of ``datatype`` (an ``<iri>`` term) whose lexical form needs no escape."""
    return f'"{lexical}"^^{datatype}'


def quad(subject: str, predicate: str, obj: str, graph: str) -> str:
    """Return the N-Quads line (with its newline) of four terms."""
    return f"{subject} {predicate} {obj} {graph} .\n"


@lru_cache(maxsize=65536)
def _whole_second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def datetime_lexical(t: float) -> str:
    """Return ``t`` (seconds since the epoch) as the lexical form of an ``xsd:dateTime`` in UTC,
    written with ``Z`` and without trailing zeros in the fraction.

    Equal to formatting ``datetime.fromtimestamp(t, timezone.utc)``: microseconds rounded half
    to even the same way, the whole-second part cached (events of a run share their seconds).

    >>> datetime_lexical(1732262400.25)
    '2024-11-22T08:00:00.25Z'
    """
    if t < 0:  # before 1970: rare enough to take the slow, obviously right route
        stamp = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")
        return stamp.rstrip("0").rstrip(".") + "Z"
    seconds = int(t)
    micro = round((t - seconds) * 1e6)
    if micro >= 1_000_000:
        seconds, micro = seconds + 1, micro - 1_000_000
    stamp = _whole_second(seconds)
    if micro:
        return f"{stamp}.{micro:06d}".rstrip("0") + "Z"
    return stamp + "Z"
