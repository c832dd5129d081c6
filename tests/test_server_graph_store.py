"""The SPARQL 1.1 Graph Store HTTP Protocol at /store against a real `provml serve`:
GET/HEAD/PUT/POST/DELETE on default and named graphs, status codes, and token-protected writes
that change nothing when refused."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pyoxigraph import RdfFormat, parse

from conftest import start_server
from provml_kg.graph import workflow_graph

TTL = {"Content-Type": "text/turtle"}
DOC = b"@prefix ex: <http://example.org/> . ex:a ex:p ex:b . ex:a ex:q [ ex:r 1 ] ."
MORE = b"<http://example.org/c> <http://example.org/p> <http://example.org/d> ."


def triples(server: Any, graph: str) -> set[tuple[str, str, str]]:
    response = httpx.get(server.url + "/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.text
    return {(str(t.subject), str(t.predicate), str(t.object)) for t in parse(response.content, format=RdfFormat.N_TRIPLES)
            if not str(t.subject).startswith("_:") and not str(t.object).startswith("_:")}


def size(server: Any, graph: str) -> int:
    response = httpx.get(server.url + "/store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    return 0 if response.status_code == 404 else len(list(parse(response.content, format=RdfFormat.N_TRIPLES)))


def test_get_a_named_graph_in_every_format(provml_server: Any) -> None:
    graph = workflow_graph("wf-qc").value
    counts = set()
    for fmt in (RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.RDF_XML, RdfFormat.JSON_LD, RdfFormat.N_QUADS, RdfFormat.TRIG):
        response = httpx.get(provml_server.url + "/store", params={"graph": graph}, headers={"Accept": fmt.media_type})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == fmt.media_type
        counts.add(len(list(parse(response.content, format=fmt))))
    assert len(counts) == 1 and counts.pop() > 10


def test_head_and_whole_dataset(provml_server: Any) -> None:
    graph = workflow_graph("wf-qc").value
    head = httpx.head(provml_server.url + "/store", params={"graph": graph})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("text/turtle")
    dataset = httpx.get(provml_server.url + "/store", headers={"Accept": "application/n-quads"})
    graphs = {q.graph_name.value for q in parse(dataset.content, format=RdfFormat.N_QUADS) if hasattr(q.graph_name, "value")}
    assert {workflow_graph(wf).value for wf in ("wf-curation", "wf-training", "wf-qc")} <= graphs


def test_missing_graph_is_404_and_bad_requests_are_4xx(provml_server: Any) -> None:
    url = provml_server.url + "/store"
    assert httpx.get(url, params={"graph": "http://example.org/none"}).status_code == 404
    assert httpx.head(url, params={"graph": "http://example.org/none"}).status_code == 404
    assert httpx.get(url, params={"graph": "no iri"}).status_code == 400
    assert httpx.get(url + "?default&graph=http://example.org/g").status_code == 400
    assert httpx.request("PATCH", url, params={"default": ""}).status_code == 405
    assert httpx.get(url, params={"graph": workflow_graph("wf-qc").value},
                     headers={"Accept": "text/csv"}).status_code == 406


def test_put_post_delete_lifecycle_of_a_named_graph(provml_server: Any) -> None:
    url, auth, graph = provml_server.url + "/store", provml_server.auth(), "http://example.org/gsp/lifecycle"
    created = httpx.put(url, params={"graph": graph}, content=DOC, headers={**TTL, **auth})
    assert created.status_code == 201
    assert size(provml_server, graph) == 3
    replaced = httpx.put(url, params={"graph": graph}, content=MORE, headers={"Content-Type": "application/n-triples", **auth})
    assert replaced.status_code == 204
    assert triples(provml_server, graph) == {("<http://example.org/c>", "<http://example.org/p>", "<http://example.org/d>")}
    merged = httpx.post(url, params={"graph": graph}, content=DOC, headers={**TTL, **auth})
    assert merged.status_code == 204
    assert size(provml_server, graph) == 4
    deleted = httpx.delete(url, params={"graph": graph}, headers=auth)
    assert deleted.status_code == 204
    assert httpx.get(url, params={"graph": graph}).status_code == 404
    assert httpx.delete(url, params={"graph": graph}, headers=auth).status_code == 404


def test_post_creates_and_default_graph(provml_server: Any) -> None:
    url, auth = provml_server.url + "/store", provml_server.auth()
    graph = "http://example.org/gsp/posted"
    assert httpx.post(url, params={"graph": graph}, content=MORE,
                      headers={"Content-Type": "application/n-triples", **auth}).status_code == 201
    assert httpx.post(url + "?default", content=MORE, headers={"Content-Type": "application/n-triples", **auth}).status_code == 204
    default = httpx.get(url + "?default", headers={"Accept": "application/n-triples"})
    assert b"http://example.org/c" in default.content
    assert httpx.delete(url + "?default", headers=auth).status_code == 204
    assert httpx.get(url + "?default", headers={"Accept": "application/n-triples"}).content.strip() == b""
    httpx.delete(url, params={"graph": graph}, headers=auth)


@pytest.mark.parametrize("case", ["no token", "wrong token", "not bearer"])
def test_refused_writes_change_nothing(provml_server: Any, case: str) -> None:
    url, graph = provml_server.url + "/store", workflow_graph("wf-qc").value
    headers = {"no token": {}, "wrong token": provml_server.auth("nope"),
               "not bearer": {"Authorization": provml_server.token}}[case]
    expected = 403 if case == "wrong token" else 401
    before = triples(provml_server, graph)
    responses = [
        httpx.put(url, params={"graph": graph}, content=MORE, headers={"Content-Type": "application/n-triples", **headers}),
        httpx.post(url, params={"graph": graph}, content=MORE, headers={"Content-Type": "application/n-triples", **headers}),
        httpx.delete(url, params={"graph": graph}, headers=headers),
        httpx.put(url, params={"graph": "http://example.org/gsp/new"}, content=MORE,
                  headers={"Content-Type": "application/n-triples", **headers}),
    ]
    assert [r.status_code for r in responses] == [expected] * 4
    if expected == 401:
        assert all(r.headers["www-authenticate"].startswith("Bearer") for r in responses)
    assert triples(provml_server, graph) == before
    assert httpx.get(url, params={"graph": "http://example.org/gsp/new"}).status_code == 404


def test_malformed_or_mistyped_upload_changes_nothing(provml_server: Any) -> None:
    url, auth, graph = provml_server.url + "/store", provml_server.auth(), workflow_graph("wf-qc").value
    before = triples(provml_server, graph)
    bad = httpx.put(url, params={"graph": graph}, content=b"<http://a> <http://b> .", headers={**TTL, **auth})
    assert bad.status_code == 400 and "Turtle" in bad.text and "Traceback" not in bad.text
    mistyped = httpx.put(url, params={"graph": graph}, content=MORE, headers={"Content-Type": "image/png", **auth})
    assert mistyped.status_code == 415
    assert triples(provml_server, graph) == before
    assert httpx.delete(url, headers=auth).status_code == 400


def test_read_only_server_refuses_graph_store_writes(tmp_path: Any) -> None:
    server = start_server(tmp_path, allow_update=False, token=None)
    try:
        response = httpx.put(server.url + "/store", params={"graph": "http://example.org/g"}, content=MORE,
                             headers={"Content-Type": "application/n-triples", "Authorization": "Bearer x"})
        assert response.status_code == 403
        assert httpx.get(server.url + "/store", params={"graph": "http://example.org/g"}).status_code == 404
    finally:
        server.stop()


def test_direct_graph_identification(provml_server: Any) -> None:
    url, auth = provml_server.url + "/store/runs/imported-7", provml_server.auth()
    assert httpx.get(url).status_code == 404
    assert httpx.put(url, content=DOC, headers={**TTL, **auth}).status_code == 201
    assert size(provml_server, url) == 3  # the graph's IRI is its URL
    assert len(list(parse(httpx.get(url, headers={"Accept": "application/n-triples"}).content,
                          format=RdfFormat.N_TRIPLES))) == 3
    assert httpx.put(url, content=DOC, headers=TTL).status_code == 401
    assert httpx.get(url, params={"graph": "http://example.org/g"}).status_code == 400
    assert httpx.delete(url, headers=auth).status_code == 204
    assert httpx.get(url).status_code == 404
