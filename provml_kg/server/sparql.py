"""The SPARQL 1.1 Protocol at ``/sparql``: query (GET, POST form, POST direct), update (POST),
the dataset parameters, content negotiation and the service description.

Status codes: 400 for a malformed query/update (with the parser's message), two queries, a
query and an update together, an update by GET or a bad graph IRI; 401/403 for writes without
(or with a wrong) token, or on a read-only endpoint; 405 for other methods; 406 when no
acceptable format fits; 415 for a body type that is neither a form nor a query/update; 503 at
the query time limit.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, NamedNode, QueryResultsFormat, RdfFormat, Triple, serialize
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from provml_kg.errors import QueryError
from provml_kg.server.execute import Dataset, Result, run_query
from provml_kg.server.forms import body_text, form_params, media_type, single, url_params
from provml_kg.server.negotiation import graph_format
from provml_kg.server.sparql_text import add_using, has_dataset
from provml_kg.server.state import ServerState, state_of

__all__ = ["sparql_endpoint", "result_response", "accept_of", "service_description"]

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _base(request: Request) -> str:
    """The base IRI of a request's query or update: the endpoint's URL (relative IRIs such as
    ``<test>`` resolve against it, as the protocol allows)."""
    return str(request.url.replace(query="", fragment=""))


def _check_charset(request: Request) -> None:
    for param in request.headers.get("content-type", "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise HTTPException(415, f"charset {value.strip()!r} is not accepted; send UTF-8")


def accept_of(request: Request, params: dict[str, list[str]]) -> str | None:
    """Return the format asked for: the ``format`` parameter if any, else the Accept header."""
    return single(params, "format") or request.headers.get("accept")


def result_response(result: Result) -> Response:
    """Return the HTTP response of a serialised query result (row count and cap in headers)."""
    headers = {"Vary": "Accept"}
    if result.rows is not None:
        headers["X-Provml-Rows"] = str(result.rows)
    if result.truncated:
        headers["X-Provml-Truncated"] = "true"
        headers["Warning"] = f'199 provml "result truncated to {result.rows} rows by the server cap"'
    return Response(result.body, media_type=result.media_type, headers=headers)


async def sparql_endpoint(request: Request) -> Response:
    """Serve ``/sparql`` (GET, HEAD, POST)."""
    state = state_of(request)
    in_url = url_params(request)
    if request.method in ("GET", "HEAD"):
        if "update" in in_url:
            raise HTTPException(400, "a SPARQL update must be sent by POST (form field 'update' "
                                     "or Content-Type application/sparql-update), not GET")
        query = single(in_url, "query")
        if query is None:
            return service_description(request, state)
        return await _query(request, state, query, in_url)
    kind = media_type(request)
    _check_charset(request)
    if kind == FORM:
        form = await form_params(request)
        if "query" in form and "update" in form:
            raise HTTPException(400, "give either a 'query' or an 'update', not both")
        params = {**in_url, **form}
        query, update = single(form, "query"), single(form, "update")
        if query is not None:
            return await _query(request, state, query, params)
        if update is not None:
            return await _update(request, state, update, params)
        raise HTTPException(400, "the form has neither a 'query' nor an 'update' field")
    if kind == QUERY:
        return await _query(request, state, await body_text(request), in_url)
    if kind == UPDATE:
        return await _update(request, state, await body_text(request), in_url)
    shown = repr(kind) if kind else "none"
    raise HTTPException(415, f"Content-Type {shown} is not accepted; POST a query or update as "
                             f"{FORM}, {QUERY} or {UPDATE}")


async def _query(request: Request, state: ServerState, query: str,
                 params: dict[str, list[str]]) -> Response:
    if "update" in params:
        raise HTTPException(400, "give either a 'query' or an 'update', not both")
    dataset = Dataset(tuple(params.get("default-graph-uri", ())), tuple(params.get("named-graph-uri", ())))
    options = {**dataset.options(has_dataset(query)), "base_iri": _base(request)}
    result = await state.read(lambda: run_query(
        state.kg.store, query, accept=accept_of(request, params), limits=state.limits,
        deadline=state.deadline(), options=options))
    return result_response(result)


async def _update(request: Request, state: ServerState, update: str,
                  params: dict[str, list[str]]) -> Response:
    state.require_write(request)
    text = add_using(update, tuple(params.get("using-graph-uri", ())),
                     tuple(params.get("using-named-graph-uri", ())))
    kg, base = state.kg, _base(request)

    def apply() -> None:
        try:
            kg.store.update(text, base_iri=base)
        except SyntaxError as bad:
            raise QueryError(f"the SPARQL update does not parse: {bad}") from None
        except OSError as bad:
            raise QueryError(f"the SPARQL update failed: {bad}") from None
        kg.flush()

    await state.write(apply)
    return Response(status_code=204)


def service_description(request: Request, state: ServerState) -> Response:
    """Return the SPARQL 1.1 Service Description of this endpoint (Turtle unless asked)."""
    endpoint = NamedNode(str(request.url.replace(query="", fragment="")))

    def sd(term: str) -> NamedNode:
        return NamedNode(SD + term)

    dataset, graph = BlankNode(), BlankNode()
    triples = [
        Triple(endpoint, RDF_TYPE, sd("Service")),
        Triple(endpoint, sd("endpoint"), endpoint),
        Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(endpoint, sd("feature"), sd("UnionDefaultGraph")),
        Triple(endpoint, sd("defaultEntailmentRegime"),
               NamedNode("http://www.w3.org/ns/entailment/Simple")),
        Triple(endpoint, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), graph),
        Triple(graph, RDF_TYPE, sd("Graph")),
    ]
    if state.allow_update:
        triples.append(Triple(endpoint, sd("supportedLanguage"), sd("SPARQL11Update")))
    for result_fmt in (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV,
                       QueryResultsFormat.TSV):
        triples.append(Triple(endpoint, sd("resultFormat"), NamedNode(result_fmt.iri)))
    for rdf_fmt in (RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.RDF_XML, RdfFormat.JSON_LD,
                    RdfFormat.N3, RdfFormat.N_QUADS, RdfFormat.TRIG):
        triples.append(Triple(endpoint, sd("resultFormat"), NamedNode(rdf_fmt.iri)))
    fmt = graph_format(accept_of(request, url_params(request)))
    body = serialize(triples, format=fmt, prefixes={"sd": SD}
                     if fmt in (RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.N3, RdfFormat.RDF_XML) else None)
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})
