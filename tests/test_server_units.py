"""The server's pure parts without a process: content negotiation, the dataset clauses of a
query's text, the app's argument checks and its error mapping (in-process ASGI client)."""

from __future__ import annotations

import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat
from starlette.exceptions import HTTPException
from starlette.testclient import TestClient

from provml_kg.errors import InputError
from provml_kg.server import create_app
from provml_kg.server.negotiation import graph_format, rdf_format_of, results_format
from provml_kg.server.sparql_text import add_using, has_dataset, mask
from provml_kg.store import KnowledgeGraph


@pytest.mark.parametrize("accept, expected", [
    (None, QueryResultsFormat.JSON),
    ("*/*", QueryResultsFormat.JSON),
    ("text/*", QueryResultsFormat.CSV),
    ("application/sparql-results+xml;q=0.4, text/tab-separated-values;q=0.9", QueryResultsFormat.TSV),
    ("text/csv;q=0, application/xml", QueryResultsFormat.XML),
    ("csv", QueryResultsFormat.CSV),
])
def test_results_negotiation(accept: str | None, expected: QueryResultsFormat) -> None:
    assert results_format(accept) == expected


def test_graph_negotiation_and_406() -> None:
    assert graph_format("application/ld+json, text/turtle;q=0.5") == RdfFormat.JSON_LD
    assert graph_format("application/*").media_type.startswith("application/")
    with pytest.raises(HTTPException) as refused:
        graph_format("text/csv")
    assert refused.value.status_code == 406 and "text/turtle" in refused.value.detail
    assert rdf_format_of("text/turtle; charset=utf-8") == RdfFormat.TURTLE
    with pytest.raises(HTTPException) as unsupported:
        rdf_format_of("application/pdf")
    assert unsupported.value.status_code == 415


@pytest.mark.parametrize("query, expected", [
    ("SELECT * FROM <http://g> { ?s ?p ?o }", True),
    ("select * from named <http://g> { graph ?g { ?s ?p ?o } }", True),
    ('SELECT * { ?s <http://x/from> "from" . ?s ex:from ?from } # FROM here', False),
    ("PREFIX from: <http://f/> SELECT ?x { ?x from:p 1 }", False),
    ("SELECT * { ?s ?p '''FROM\n<http://g>''' }", False),
])
def test_has_dataset(query: str, expected: bool) -> None:
    assert has_dataset(query) is expected
    assert len(mask(query)) == len(query)


def test_add_using() -> None:
    update = ('INSERT { GRAPH <urn:t> { ?s ?p "WHERE" } } WHERE { ?s ?p ?o } ; '
              "DELETE WHERE { ?a ?b ?c } ; INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    rewritten = add_using(update, ("urn:g1",), ("urn:g2",))
    assert rewritten.count("USING <urn:g1> USING NAMED <urn:g2> WHERE") == 1
    assert "DELETE WHERE" in rewritten
    assert add_using(update, (), ()) == update
    with pytest.raises(InputError, match="WITH"):
        add_using("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ("urn:g1",), ())
    with pytest.raises(InputError, match="using-graph-uri"):
        add_using("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ("urn:bad> } ; DROP ALL ; #",), ())


def test_create_app_checks_its_arguments() -> None:
    with KnowledgeGraph() as kg:
        with pytest.raises(InputError, match="token"):
            create_app(kg, allow_update=True)
        with pytest.raises(InputError, match="timeout"):
            create_app(kg, query_timeout=0)
        with pytest.raises(InputError, match="max results"):
            create_app(kg, max_results=0)


def test_failures_are_plain_messages_never_tracebacks() -> None:
    kg = KnowledgeGraph()
    app = create_app(kg)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
        kg.close()  # the store goes away under the app: every route now fails inside
        for response in (client.get("/sparql", params={"query": "ASK {}"}),
                         client.get("/store", params={"default": ""}),
                         client.get("/nowhere")):
            assert response.status_code in (404, 500)
            assert response.headers["content-type"].startswith("text/plain")
            assert "Traceback" not in response.text and "File \"" not in response.text


def test_cors_is_off_by_default_and_on_when_asked() -> None:
    with KnowledgeGraph() as kg:
        origin = {"Origin": "http://yasgui.example"}
        with TestClient(create_app(kg)) as client:
            response = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
            assert "access-control-allow-origin" not in response.headers
        with TestClient(create_app(kg, cors=True)) as client:
            response = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
            assert response.headers["access-control-allow-origin"] == "*"
            preflight = client.options("/sparql", headers={**origin, "Access-Control-Request-Method": "POST",
                                                            "Access-Control-Request-Headers": "content-type"})
            assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
