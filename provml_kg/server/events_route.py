"""``POST /events``: event batches from the capture library's HTTP sink.

The body is ``{"events": [...]}`` (or a bare JSON array) of schema-v1 event objects. The whole
batch is validated before anything is written, so a 400 means nothing was ingested and names
the bad event and field. A valid batch goes through :meth:`KnowledgeGraph.ingest_events` (the
same graph construction as ``provml ingest``) under the write lock, and is answered 200 only
after the store has flushed it; ingesting a batch again is harmless (idempotent IRIs).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from provml_kg.errors import EventValidationError
from provml_kg.events import validate
from provml_kg.server.forms import media_type
from provml_kg.server.state import state_of

__all__ = ["post_events"]


def _events_of(body: bytes) -> list[Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as bad:
        raise HTTPException(400, f"the body is not JSON: {bad}") from None
    events = data.get("events") if isinstance(data, dict) else data
    if not isinstance(events, list):
        raise HTTPException(400, 'expected {"events": [event, ...]} or a JSON array of events')
    return events


def _validated(events: list[Any]) -> list[dict[str, Any]]:
    clean = []
    for number, event in enumerate(events):
        try:
            clean.append(validate(event))
        except EventValidationError as bad:
            raise EventValidationError(f"event #{number} of the batch: {bad}; nothing was ingested") from None
    return clean


async def post_events(request: Request) -> Response:
    """Ingest one batch of events; answer with counts once it is durable."""
    state = state_of(request)
    state.require_write(request)
    kind = media_type(request)
    if kind not in ("application/json", ""):
        raise HTTPException(415, f"Content-Type {kind!r} is not accepted; POST application/json")
    events = _validated(_events_of(await request.body()))
    kg = state.kg

    def ingest() -> dict[str, Any]:
        report = kg.ingest_events(events, validate=False)
        kg.flush()
        return {"events": report.events, "quads": report.quads, "workflows": report.workflows}

    return JSONResponse(await state.write(ingest))
