"""``/queries``: the stored queries, listed (JSON) and run by name with parameters.

``GET /queries/NAME?param=value&...`` (or a POSTed form) binds the parameters with
``substitutions`` (never into the text) and answers like ``/sparql``: content negotiation,
time limit and result cap. Unknown query: 404; missing, unknown or ill-typed parameter: 400.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from provml_kg.errors import UnknownQueryError
from provml_kg.server.execute import run_query
from provml_kg.server.forms import FORM_TYPE, form_params, media_type, single, url_params
from provml_kg.server.sparql import accept_of, result_response
from provml_kg.server.state import state_of

__all__ = ["list_queries", "run_stored_query"]


async def list_queries(request: Request) -> Response:
    """Return every stored query: name, title, description, area, parameters and text."""
    queries = state_of(request).queries()
    return JSONResponse([
        {"name": q.name, "title": q.title, "description": q.description, "area": q.area,
         "params": [{"name": p.name, "kind": p.kind, "description": p.description,
                     "optional": p.optional} for p in q.params],
         "text": q.text, "url": str(request.url_for("query", name=q.name))}
        for q in queries.values()
    ])


async def run_stored_query(request: Request) -> Response:
    """Run the stored query named in the path with the request's parameters."""
    state = state_of(request)
    name = request.path_params["name"]
    queries = state.queries()
    stored = queries.get(name)
    if stored is None:
        raise UnknownQueryError(f"no stored query named {name!r}; known queries: {', '.join(queries)}")
    params = url_params(request)
    if request.method == "POST" and media_type(request) == FORM_TYPE:
        params = {**params, **await form_params(request)}
    accept = accept_of(request, params)
    values = {key: single(params, key) for key in params if key != "format"}
    substitutions = stored.bind(**{k: v for k, v in values.items() if v != ""})
    text, bound = stored.prepare(substitutions)
    result = await state.read(lambda: run_query(
        state.kg.store, text, accept=accept, limits=state.limits, deadline=state.deadline(),
        options={"use_default_graph_as_union": True}, substitutions=bound))
    return result_response(result)
