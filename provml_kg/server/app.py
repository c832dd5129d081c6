"""The endpoint as one Starlette app: :func:`create_app` is what ``provml serve`` runs and
what the tests start.

Routes: ``/`` the web page (``/static/...`` its files), ``/sparql`` the SPARQL 1.1 Protocol,
``/store`` the Graph Store HTTP Protocol, ``/events`` event ingestion, ``/queries`` and
``/queries/NAME`` the stored queries. Errors are plain-text 4xx with a message; anything
unexpected is a 500 "internal error" logged here, never a traceback sent to the client.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from importlib import resources
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from provml_kg.errors import (InputError, ProvmlError, QueryError, UnknownQueryError,
                              UnknownTermError)
from provml_kg.server.events_route import post_events
from provml_kg.server.execute import Limits, QueryTimeoutError
from provml_kg.server.graph_store import graph_store
from provml_kg.server.queries_route import list_queries, run_stored_query
from provml_kg.server.sparql import sparql_endpoint
from provml_kg.server.state import ServerState

if TYPE_CHECKING:
    from provml_kg.store import KnowledgeGraph

__all__ = ["create_app", "DEFAULT_TIMEOUT", "DEFAULT_MAX_RESULTS"]

DEFAULT_TIMEOUT = 30.0
"""Seconds a query may run before the endpoint answers 503."""

DEFAULT_MAX_RESULTS = 100_000
"""Rows (or triples) a result may have before the endpoint truncates it and says so."""

log = logging.getLogger("provml_kg.server")


def _static_dir() -> str:
    return str(resources.files("provml_kg.server") / "static")


async def index(request: Request) -> Response:
    """Serve the web page."""
    page = resources.files("provml_kg.server") / "static" / "index.html"
    return Response(page.read_bytes(), media_type="text/html; charset=utf-8")


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _text(exc.status_code, exc.detail, dict(exc.headers or {}))


async def _provml_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, QueryTimeoutError):
        return _text(503, str(exc), {"Retry-After": "1"})
    if isinstance(exc, UnknownQueryError):
        return _text(404, str(exc))
    if isinstance(exc, (InputError, UnknownTermError, QueryError)):
        return _text(400, str(exc))
    log.error("store failure on %s %s: %s", request.method, request.url.path, exc)
    return _text(500, f"internal error: {exc}")


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return _text(500, "internal error (logged on the server)")


def create_app(kg: KnowledgeGraph, *, allow_update: bool = False, token: str | None = None,
               query_timeout: float = DEFAULT_TIMEOUT,
               max_results: int | None = DEFAULT_MAX_RESULTS, close_store: bool = False,
               cors: bool = False) -> Starlette:
    """Return the endpoint serving ``kg``.

    The store is flushed when the app shuts down, after the last request (uvicorn finishes
    in-flight requests on SIGTERM/SIGINT first); with ``close_store`` it is also closed then,
    otherwise the caller keeps ownership and closes it.

    Args:
        kg: the knowledge graph to serve.
        allow_update: accept writes (SPARQL Update, Graph Store writes, ``/events``).
        token: the bearer token writes must carry; required when ``allow_update``.
        query_timeout: seconds before a query is answered 503.
        max_results: rows or triples per result before it is truncated (``None``: no cap).
        cors: let web pages of any origin call the endpoint (e.g. YASGUI served elsewhere):
            CORS headers for every route; writes still need the bearer token.
        close_store: close ``kg`` on shutdown (what ``provml serve`` does: uvicorn ends the
            process by re-raising the signal, so code after ``Server.run`` may not run).

    Raises:
        InputError: updates are allowed without a token, or a limit is not positive.
    """
    if allow_update and not token:
        raise InputError("--allow-update needs a bearer token (--token or PROVML_TOKEN): "
                         "writes are never accepted unauthenticated")
    if query_timeout <= 0:
        raise InputError(f"query timeout {query_timeout!r}; expected a positive number of seconds")
    if max_results is not None and max_results < 1:
        raise InputError(f"max results {max_results!r}; expected a positive integer")
    state = ServerState(kg, Limits(query_timeout, max_results), allow_update, token)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        # uvicorn has finished every in-flight request: acknowledged writes are on disk
        async with state.write_lock:
            kg.flush()
            if close_store:
                kg.close()
        log.info("provml endpoint stopped; store flushed%s", " and closed" if close_store else "")

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/sparql", sparql_endpoint, methods=["GET", "POST"]),
        Route("/store", graph_store, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/store/{path:path}", graph_store, methods=["GET", "PUT", "POST", "DELETE"]),
        Route("/events", post_events, methods=["POST"]),
        Route("/queries", list_queries, methods=["GET"]),
        Route("/queries/{name}", run_stored_query, methods=["GET", "POST"], name="query"),
        Mount("/static", StaticFiles(directory=_static_dir()), name="static"),
    ]
    handlers = {HTTPException: _http_error, ProvmlError: _provml_error, Exception: _internal_error}
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "PUT", "DELETE", "HEAD"],
                             allow_headers=["Accept", "Content-Type", "Authorization"],
                             expose_headers=["X-Provml-Rows", "X-Provml-Truncated"])] if cors else []
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan,  # type: ignore[arg-type]
                    middleware=middleware)
    app.state.provml = state
    return app
