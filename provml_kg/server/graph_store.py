"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store``.

``?default`` names the default graph, ``?graph=IRI`` a named graph (indirect identification);
``/store/any/path`` names the graph whose IRI is that URL (direct identification). With none, GET returns
the whole dataset (TriG or N-Quads) and PUT/POST take a dataset. GET/HEAD read; PUT replaces,
POST merges (201 when it creates the graph, 204 otherwise), DELETE drops (404 when there is no
such graph). Writes need the bearer token; an upload is parsed in full before anything is
written (a malformed body is a 400 that changes nothing), its blank nodes are renamed apart
from the store's, and its quads are added in one transaction.
"""

from __future__ import annotations

import anyio.to_thread
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse, serialize
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from provml_kg.errors import InputError
from provml_kg.server.forms import single, url_params
from provml_kg.server.negotiation import GRAPH_TYPES, iri, negotiate, rdf_format_of
from provml_kg.server.state import state_of
from provml_kg.vocab import prefixes

__all__ = ["graph_store"]

Target = DefaultGraph | NamedNode | None

_DATASET_TYPES = {"application/trig": RdfFormat.TRIG, "application/n-quads": RdfFormat.N_QUADS}
_PREFIXED = {RdfFormat.TURTLE, RdfFormat.TRIG, RdfFormat.RDF_XML, RdfFormat.N3}


def _target(params: dict[str, list[str]]) -> Target:
    graph = single(params, "graph")
    if "default" in params and graph is not None:
        raise HTTPException(400, "give either ?default or ?graph=IRI, not both")
    if "default" in params:
        return DefaultGraph()
    if graph is not None:
        return iri(graph, "graph")
    return None


async def graph_store(request: Request) -> Response:
    """Serve ``/store`` (GET, HEAD, PUT, POST, DELETE)."""
    state = state_of(request)
    params = url_params(request)
    if request.path_params.get("path"):  # direct identification: the URL names the graph
        if "graph" in params or "default" in params:
            raise HTTPException(400, "a graph URL under /store/ names the graph itself; "
                                     "?graph= and ?default belong to /store")
        target: Target = iri(str(request.url.replace(query="", fragment="")), "graph URL")
    else:
        target = _target(params)
    store = state.kg.store
    if request.method in ("GET", "HEAD"):
        accept = single(params, "format") or request.headers.get("accept")
        if target is None:
            fmt = negotiate(accept, _DATASET_TYPES, RdfFormat.TRIG)
        else:
            fmt = negotiate(accept, GRAPH_TYPES, RdfFormat.TURTLE)
            if isinstance(target, NamedNode) and not store.contains_named_graph(target):
                raise HTTPException(404, f"there is no graph {target.value!r} in the store")
        names = prefixes() if fmt in _PREFIXED else None

        def dump() -> bytes:
            if target is None:
                return store.dump(format=fmt, prefixes=names)
            if fmt.supports_datasets:
                return serialize(store.quads_for_pattern(None, None, None, target), format=fmt,
                                 prefixes=names) or b""
            return store.dump(format=fmt, from_graph=target, prefixes=names)

        body = await state.read(dump)
        return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})

    state.require_write(request)
    if request.method == "DELETE":
        if target is None:
            raise HTTPException(400, "DELETE needs ?default or ?graph=IRI naming the graph to drop")

        def drop() -> None:
            if isinstance(target, NamedNode):
                if not store.contains_named_graph(target):
                    raise HTTPException(404, f"there is no graph {target.value!r} in the store")
                store.remove_graph(target)
            else:
                store.clear_graph(DefaultGraph())
            state.kg.flush()

        await state.write(drop)
        return Response(status_code=204)

    fmt = rdf_format_of(request.headers.get("content-type"))
    body = await request.body()
    base = str(request.url.replace(query="", fragment=""))

    def parsed() -> list[Quad]:
        try:
            quads = list(parse(body, format=fmt, base_iri=base, rename_blank_nodes=True))
        except SyntaxError as bad:
            raise InputError(f"the body is not valid {fmt.name}: {bad}") from None
        if target is None:
            return quads
        if any(not isinstance(q.graph_name, DefaultGraph) for q in quads):
            raise InputError(f"the {fmt.name} body holds named graphs; send triples to a graph, "
                             "or a dataset to /store without ?graph")
        return [Quad(q.subject, q.predicate, q.object, target) for q in quads]

    quads = await anyio.to_thread.run_sync(parsed)
    replace = request.method == "PUT"

    def write() -> bool:
        created = isinstance(target, NamedNode) and not store.contains_named_graph(target)
        if replace:
            if target is None:
                store.clear()
            elif isinstance(target, NamedNode):
                store.remove_graph(target)
            else:
                store.clear_graph(target)
        store.extend(quads)
        if isinstance(target, NamedNode) and not store.contains_named_graph(target):
            store.add_graph(target)  # an empty upload still creates the graph
        state.kg.flush()
        return created

    created = await state.write(write)
    return Response(status_code=201 if created else 204)
