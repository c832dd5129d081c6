"""Exceptions raised by provml-kg.

Every error the package raises on purpose derives from :class:`ProvmlError`, so a caller can
catch them all at once; where a standard exception means the same thing, the class derives from
it too (a bad value is also a ``ValueError``, an unknown term also an ``AttributeError``)::

    ProvmlError
    ├── InputError (ValueError)            bad user input: a value, a file, a format, a parameter
    │   ├── EventValidationError           an event field holds a bad value
    │   ├── ParameterError                 a stored query got missing or unknown parameters
    │   └── UnknownFormatError             an RDF / result format nobody handles
    ├── UnknownTermError (AttributeError)  a PROV-ML term the ontology does not declare
    ├── OntologyError                      the ontology cannot be loaded or its imports not resolved
    ├── CaptureError                       the capture pipeline cannot accept or deliver events
    │   └── SinkError                      a sink failed to write
    ├── StoreError                         the knowledge-graph store failed
    │   ├── StoreLockedError               another process holds the on-disk store
    │   └── RemoteStoreError               a remote SPARQL 1.1 store refused or failed a request
    └── QueryError                         a SPARQL query could not be parsed or evaluated
        └── UnknownQueryError              no stored query has that name

The CLI maps them to exit codes: :class:`InputError` and :class:`UnknownTermError` give 2, the
others 3 (a check that *ran* and found problems is exit code 1 and is not an exception).
"""

from __future__ import annotations


class ProvmlError(Exception):
    """Base class of every error provml-kg raises on purpose."""


class InputError(ProvmlError, ValueError):
    """Bad user input: the message names the bad value and what would be valid."""


class EventValidationError(InputError):
    """An event field holds a value that is missing, of the wrong type, or not serialisable."""


class ParameterError(InputError):
    """A stored query was called with missing or unknown parameters."""


class UnknownFormatError(InputError):
    """An RDF or query-result format that no serialiser handles."""


class UnknownTermError(ProvmlError, AttributeError):
    """A term asked of a closed namespace that the ontology does not declare."""


class OntologyError(ProvmlError):
    """The ontology cannot be loaded, parsed, or its imports resolved offline."""


class CaptureError(ProvmlError):
    """The capture pipeline cannot accept or deliver events."""


class SinkError(CaptureError):
    """A capture sink failed to write a batch."""


class StoreError(ProvmlError):
    """The knowledge-graph store failed."""


class StoreLockedError(StoreError):
    """Another process holds the write lock of the on-disk store."""


class RemoteStoreError(StoreError):
    """A remote SPARQL 1.1 store refused or failed a request."""


class QueryError(ProvmlError):
    """A SPARQL query could not be parsed or evaluated."""


class UnknownQueryError(QueryError, InputError):
    """No stored query has the requested name."""
