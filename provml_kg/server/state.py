"""The server's per-app state: the knowledge graph, the limits, write access, and how work runs.

Reads run in worker threads concurrently (pyoxigraph releases the GIL while evaluating);
writes (SPARQL Update, Graph Store writes, event batches) go one at a time through one lock,
and are never abandoned once started, so an acknowledged write is complete and flushed.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request

from provml_kg.server.execute import Limits, QueryTimeoutError

if TYPE_CHECKING:
    from provml_kg.queries import StoredQuery
    from provml_kg.store import KnowledgeGraph

__all__ = ["ServerState", "state_of"]

T = TypeVar("T")


@dataclass
class ServerState:
    """What every route needs: ``kg``, ``limits``, ``allow_update``, ``token``, the write lock."""

    kg: KnowledgeGraph
    limits: Limits
    allow_update: bool = False
    token: str | None = None
    write_lock: anyio.Lock = field(default_factory=anyio.Lock)
    _queries: dict[str, StoredQuery] | None = None

    def deadline(self) -> float:
        """Return the :func:`time.monotonic` time by which a query started now must be done."""
        return time.monotonic() + self.limits.timeout

    def queries(self) -> dict[str, StoredQuery]:
        """Return the stored queries (loaded once, on first use).

        Raises:
            QueryError: a stored query file is malformed.
        """
        if self._queries is None:
            from provml_kg.queries import load_queries

            self._queries = load_queries()
        return self._queries

    def require_write(self, request: Request) -> None:
        """Check that ``request`` may write.

        Raises:
            HTTPException: 403 when updates are disabled or the token is wrong; 401 (with
                ``WWW-Authenticate``) when no bearer token is given.
        """
        if not self.allow_update or self.token is None:
            raise HTTPException(403, "this endpoint is read-only; start it with "
                                     "`provml serve --allow-update --token TOKEN` to accept writes")
        challenge = {"WWW-Authenticate": 'Bearer realm="provml"'}
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if not header:
            raise HTTPException(401, "writes need an 'Authorization: Bearer <token>' header",
                                headers=challenge)
        if scheme.lower() != "bearer" or not given.strip():
            raise HTTPException(401, "the Authorization header must be 'Bearer <token>'",
                                headers={"WWW-Authenticate": 'Bearer realm="provml", error="invalid_request"'})
        if not hmac.compare_digest(given.strip().encode("utf-8"), self.token.encode("utf-8")):
            raise HTTPException(403, "the bearer token is not valid for this endpoint")

    async def read(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` in a worker thread; give up waiting at the query timeout.

        Raises:
            QueryTimeoutError: the time limit passed (the thread stops at its next write).
        """
        with anyio.move_on_after(self.limits.timeout):
            return await anyio.to_thread.run_sync(function, *args, abandon_on_cancel=True)
        raise QueryTimeoutError(f"the query ran past the time limit of {self.limits.timeout:g} s; "
                                "narrow it down or add a LIMIT")

    async def write(self, function: Callable[..., T], *args: Any) -> T:
        """Run ``function(*args)`` in a worker thread, alone among writes, to completion."""
        async with self.write_lock:
            with anyio.CancelScope(shield=True):
                return await anyio.to_thread.run_sync(function, *args)


def state_of(request: Request) -> ServerState:
    """Return the :class:`ServerState` of the app serving ``request``."""
    state: ServerState = request.app.state.provml
    return state
