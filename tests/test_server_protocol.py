"""The SPARQL 1.1 Protocol at /sparql against a real `provml serve` process: query forms and
methods, dataset parameters, content negotiation, service description, status codes, update
authorisation, limits, and standard clients (SPARQLWrapper, rdflib's SPARQLStore)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

from conftest import start_server
from provml_kg.graph import workflow_graph

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ACTIVITIES = ("PREFIX prov: <http://www.w3.org/ns/prov#> "
              "SELECT DISTINCT ?a WHERE { ?a a prov:Activity } ORDER BY ?a")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def count(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    rows = list(parse_query_results(response.content, format=QueryResultsFormat.JSON))
    return int(rows[0]["n"].value)


def ask_count(server: Any, query: str = COUNT_ALL, **params: Any) -> int:
    return count(httpx.get(server.url + "/sparql", params={"query": query, **params}))


def graph_count(server: Any, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return ask_count(server, query)


# ---------------------------------------------------------------- query: methods
def test_query_by_get_post_form_and_post_direct_agree(provml_server: Any) -> None:
    url = provml_server.url + "/sparql"
    by_get = httpx.get(url, params={"query": ACTIVITIES})
    by_form = httpx.post(url, data={"query": ACTIVITIES})
    by_direct = httpx.post(url, content=ACTIVITIES.encode(), headers={"Content-Type": "application/sparql-query"})
    bodies = {r.content for r in (by_get, by_form, by_direct)}
    assert [r.status_code for r in (by_get, by_form, by_direct)] == [200, 200, 200]
    assert len(bodies) == 1
    rows = list(parse_query_results(by_get.content, format=QueryResultsFormat.JSON))
    assert len(rows) > 5
    assert by_get.headers["content-type"].startswith("application/sparql-results+json")


def test_default_graph_is_the_union_of_all_graphs(provml_server: Any) -> None:
    total = ask_count(provml_server)
    parts = sum(graph_count(provml_server, workflow_graph(wf).value)
                for wf in ("wf-curation", "wf-training", "wf-qc"))
    assert total >= parts > 0


# ---------------------------------------------------------------- dataset parameters
def test_default_graph_uri_restricts_the_default_graph(provml_server: Any) -> None:
    curation = workflow_graph("wf-curation").value
    only = ask_count(provml_server, **{"default-graph-uri": curation})
    assert only == graph_count(provml_server, curation)
    both = ask_count(provml_server, **{"default-graph-uri": [curation, workflow_graph("wf-qc").value]})
    assert only < both < ask_count(provml_server)


def test_named_graph_uri_limits_graph_patterns_and_empties_the_default_graph(provml_server: Any) -> None:
    qc = workflow_graph("wf-qc").value
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = httpx.post(provml_server.url + "/sparql", data={"query": query, "named-graph-uri": qc})
    graphs = [row["g"].value for row in parse_query_results(response.content, format=QueryResultsFormat.JSON)]
    assert graphs == [qc]
    assert ask_count(provml_server, **{"named-graph-uri": qc}) == 0


def test_from_in_the_query_is_honoured(provml_server: Any) -> None:
    qc = workflow_graph("wf-qc").value
    in_query = ask_count(provml_server, f"SELECT (COUNT(*) AS ?n) FROM <{qc}> WHERE {{ ?s ?p ?o }}")
    assert in_query == graph_count(provml_server, qc)
    # protocol parameters override the query's own dataset
    curation = workflow_graph("wf-curation").value
    overridden = ask_count(provml_server, f"SELECT (COUNT(*) AS ?n) FROM <{qc}> WHERE {{ ?s ?p ?o }}",
                           **{"default-graph-uri": curation})
    assert overridden == graph_count(provml_server, curation)


def test_bad_graph_iri_is_400(provml_server: Any) -> None:
    response = httpx.get(provml_server.url + "/sparql", params={"query": COUNT_ALL, "default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "default-graph-uri" in response.text


# ---------------------------------------------------------------- content negotiation
@pytest.mark.parametrize("accept, fmt", [
    ("application/sparql-results+json", QueryResultsFormat.JSON),
    ("application/json", QueryResultsFormat.JSON),
    ("application/sparql-results+xml", QueryResultsFormat.XML),
    ("text/csv", QueryResultsFormat.CSV),
    ("text/tab-separated-values", QueryResultsFormat.TSV),
    ("text/html, application/xhtml+xml;q=0.9, */*;q=0.8", QueryResultsFormat.JSON),
    ("text/csv;q=0.5, application/sparql-results+xml", QueryResultsFormat.XML),
])
def test_select_results_in_every_format(provml_server: Any, accept: str, fmt: QueryResultsFormat) -> None:
    response = httpx.get(provml_server.url + "/sparql", params={"query": ACTIVITIES}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == fmt.media_type.split(";")[0]
    if fmt == QueryResultsFormat.CSV:  # CSV drops term kinds: compare the values only
        lines = response.text.strip().splitlines()
        assert lines[0] == "a" and len(lines) > 5
        return
    rows = [row["a"] for row in parse_query_results(response.content, format=fmt)]
    expected = httpx.get(provml_server.url + "/sparql", params={"query": ACTIVITIES})
    assert rows == [row["a"] for row in parse_query_results(expected.content, format=QueryResultsFormat.JSON)]


@pytest.mark.parametrize("fmt", [QueryResultsFormat.JSON, QueryResultsFormat.XML])
def test_ask_results(provml_server: Any, fmt: QueryResultsFormat) -> None:
    for query, expected in (("ASK { ?s ?p ?o }", True), ("ASK { <urn:nothing> ?p ?o }", False)):
        response = httpx.post(provml_server.url + "/sparql", data={"query": query}, headers={"Accept": fmt.media_type})
        assert response.status_code == 200
        assert bool(parse_query_results(response.content, format=fmt)) is expected


@pytest.mark.parametrize("fmt", [RdfFormat.TURTLE, RdfFormat.N_TRIPLES, RdfFormat.RDF_XML, RdfFormat.JSON_LD,
                                 RdfFormat.N3, RdfFormat.N_QUADS, RdfFormat.TRIG])
def test_construct_and_describe_in_every_rdf_format(provml_server: Any, fmt: RdfFormat) -> None:
    construct = "CONSTRUCT { ?a a <http://www.w3.org/ns/prov#Activity> } WHERE { ?a a <http://www.w3.org/ns/prov#Activity> }"
    response = httpx.post(provml_server.url + "/sparql", data={"query": construct}, headers={"Accept": fmt.media_type})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == fmt.media_type
    triples = list(parse(response.content, format=fmt))
    activities = httpx.get(provml_server.url + "/sparql", params={"query": ACTIVITIES})
    assert len(triples) == len(list(parse_query_results(activities.content, format=QueryResultsFormat.JSON)))
    model = "https://w3id.org/provml/id/entity/model-mlp-1"
    described = httpx.get(provml_server.url + "/sparql", params={"query": f"DESCRIBE <{model}>"},
                          headers={"Accept": fmt.media_type})
    assert described.status_code == 200
    assert any(t.subject.value == model for t in parse(described.content, format=fmt))


def test_graph_results_default_to_turtle_and_format_parameter_overrides(provml_server: Any) -> None:
    query = "CONSTRUCT WHERE { ?s a <http://www.w3.org/ns/prov#Agent> }"
    response = httpx.get(provml_server.url + "/sparql", params={"query": query})
    assert response.headers["content-type"].startswith("text/turtle")
    response = httpx.get(provml_server.url + "/sparql", params={"query": query, "format": "nt"},
                         headers={"Accept": "text/turtle"})
    assert response.headers["content-type"].startswith("application/n-triples")


def test_not_acceptable_is_406(provml_server: Any) -> None:
    url = provml_server.url + "/sparql"
    assert httpx.get(url, params={"query": ACTIVITIES}, headers={"Accept": "image/png"}).status_code == 406
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    response = httpx.get(url, params={"query": construct}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


# ---------------------------------------------------------------- service description
def test_service_description_on_get_without_query(provml_server: Any) -> None:
    response = httpx.get(provml_server.url + "/sparql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    triples = list(parse(response.content, format=RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = provml_server.url + "/sparql"
    assert any(t.subject.value == endpoint and t.object.value == sd + "Service" for t in triples)
    languages = {t.object.value for t in triples if t.predicate.value == sd + "supportedLanguage"}
    assert languages == {sd + "SPARQL11Query", sd + "SPARQL11Update"}
    as_xml = httpx.get(provml_server.url + "/sparql", headers={"Accept": "application/rdf+xml"})
    assert len(list(parse(as_xml.content, format=RdfFormat.RDF_XML))) == len(triples)


# ---------------------------------------------------------------- status codes
def test_malformed_query_is_400_with_the_parser_message(provml_server: Any) -> None:
    response = httpx.get(provml_server.url + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y"})
    assert response.status_code == 400
    assert "does not parse" in response.text and "error at 1:" in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(provml_server: Any, method: str) -> None:
    response = httpx.request(method, provml_server.url + "/sparql", params={"query": COUNT_ALL})
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


def test_request_errors_are_4xx(provml_server: Any) -> None:
    url = provml_server.url + "/sparql"
    cases = {
        "two queries": httpx.get(url + f"?query={COUNT_ALL}&query={COUNT_ALL}"),
        "two queries in a form": httpx.post(url, content=f"query={COUNT_ALL}&query=ASK{{}}", headers=FORM),
        "query and update": httpx.post(url, data={"query": COUNT_ALL, "update": "CLEAR ALL"}),
        "two updates": httpx.post(url, content=b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", headers=FORM),
        "update by GET": httpx.get(url, params={"update": "CLEAR ALL"}),
        "non-UTF-8 query": httpx.get(url + "?query=SELECT%20%FF%FE"),
        "non-UTF-8 body": httpx.post(url, content=b"SELECT \xff", headers={"Content-Type": "application/sparql-query"}),
        "empty form": httpx.post(url, content=b"", headers=FORM),
    }
    assert {name: r.status_code for name, r in cases.items()} == {name: 400 for name in cases}
    utf16 = httpx.post(url, content="ASK {}".encode("utf-16"),
                       headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert utf16.status_code in (400, 415)
    wrong_type = httpx.post(url, content=COUNT_ALL.encode(), headers={"Content-Type": "text/plain"})
    no_type = httpx.post(url, content=COUNT_ALL.encode())
    assert (wrong_type.status_code, no_type.status_code) == (415, 415)


# ---------------------------------------------------------------- update and authorisation
def _insert(graph: str, value: str) -> str:
    return f'INSERT DATA {{ GRAPH <{graph}> {{ <urn:s> <urn:p> "{value}" }} }}'


def test_update_needs_a_valid_token_and_refusals_change_nothing(provml_server: Any) -> None:
    url = provml_server.url + "/sparql"
    graph = "urn:test:update-auth"
    before = ask_count(provml_server)
    missing = httpx.post(url, data={"update": _insert(graph, "a")})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = httpx.post(url, data={"update": _insert(graph, "b")}, headers=provml_server.auth("wrong-token"))
    assert wrong.status_code == 403
    basic = httpx.post(url, data={"update": _insert(graph, "c")}, headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert basic.status_code == 401
    assert ask_count(provml_server) == before and graph_count(provml_server, graph) == 0
    ok = httpx.post(url, data={"update": _insert(graph, "d")}, headers=provml_server.auth())
    assert ok.status_code == 204
    direct = httpx.post(url, content=_insert(graph, "e").encode(),
                        headers={**provml_server.auth(), "Content-Type": "application/sparql-update"})
    assert direct.status_code == 204
    assert graph_count(provml_server, graph) == 2
    bad = httpx.post(url, data={"update": "INSERT DATA { <urn:s> }"}, headers=provml_server.auth())
    assert bad.status_code == 400 and "does not parse" in bad.text
    httpx.post(url, data={"update": f"DROP GRAPH <{graph}>"}, headers=provml_server.auth())
    assert ask_count(provml_server) == before


def test_relative_iris_resolve_against_the_endpoint(provml_server: Any) -> None:
    url, graph = provml_server.url + "/sparql", "urn:test:base"
    update = f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/s> <http://example.org/p> <test> }} }}"
    assert httpx.post(url, content=update.encode(), headers={**provml_server.auth(),
                      "Content-Type": "application/sparql-update"}).status_code == 204
    response = httpx.get(url, params={"query": f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    rows = list(parse_query_results(response.content, format=QueryResultsFormat.JSON))
    assert [row["o"].value for row in rows] == [provml_server.url + "/test"]
    ask = httpx.get(url, params={"query": f"ASK {{ GRAPH <{graph}> {{ ?s ?p <test> }} }}"})
    assert bool(parse_query_results(ask.content, format=QueryResultsFormat.JSON))
    httpx.post(url, data={"update": f"DROP GRAPH <{graph}>"}, headers=provml_server.auth())


def test_using_graph_uri_parameters(provml_server: Any) -> None:
    url = provml_server.url + "/sparql"
    source, target = "urn:test:using-source", "urn:test:using-target"
    auth = provml_server.auth()
    assert httpx.post(url, data={"update": _insert(source, "x")}, headers=auth).status_code == 204
    copy = f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    response = httpx.post(url, data={"update": copy, "using-graph-uri": source}, headers=auth)
    assert response.status_code == 204, response.text
    assert graph_count(provml_server, target) == 1
    conflict = httpx.post(url, data={"update": f"INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} USING <{source}> "
                                               "WHERE { ?s ?p ?o }", "using-graph-uri": source}, headers=auth)
    assert conflict.status_code == 400
    for graph in (source, target):
        httpx.post(url, data={"update": f"DROP GRAPH <{graph}>"}, headers=auth)


def test_read_only_server_refuses_updates(tmp_path: Any) -> None:
    server = start_server(tmp_path, allow_update=False, token=None)
    try:
        response = httpx.post(server.url + "/sparql", data={"update": _insert("urn:g", "x")},
                              headers={"Authorization": "Bearer anything"})
        assert response.status_code == 403
        assert "read-only" in response.text
        assert ask_count(server) == 0
        sd = httpx.get(server.url + "/sparql").text
        assert "SPARQL11Update" not in sd
    finally:
        server.stop()


# ---------------------------------------------------------------- limits
def test_result_cap(tmp_path: Any, lifecycle_events: list[dict[str, Any]]) -> None:
    server = start_server(tmp_path, events=lifecycle_events, args=("--max-results", "7"))
    try:
        url = server.url + "/sparql"
        capped = httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert capped.status_code == 200
        assert capped.headers["x-provml-truncated"] == "true" and capped.headers["x-provml-rows"] == "7"
        assert len(list(parse_query_results(capped.content, format=QueryResultsFormat.JSON))) == 7
        as_xml = httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/xml"})
        assert len(list(parse_query_results(as_xml.content, format=QueryResultsFormat.XML))) == 7
        graph = httpx.get(url, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
        assert graph.headers["x-provml-truncated"] == "true"
        assert len(list(parse(graph.content, format=RdfFormat.TURTLE))) == 7
        small = httpx.get(url, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
        assert "x-provml-truncated" not in small.headers
        assert len(list(parse_query_results(small.content, format=QueryResultsFormat.JSON))) == 3
    finally:
        server.stop()


def test_query_timeout_is_503_and_the_server_goes_on(tmp_path: Any,
                                                     lifecycle_events: list[dict[str, Any]]) -> None:
    server = start_server(tmp_path, events=lifecycle_events, args=("--timeout", "1", "--max-results", "2000000000"))
    try:
        url = server.url + "/sparql"
        # a cross product of about 10^9 rows cannot be written within the limit
        endless = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        response = httpx.get(url, params={"query": endless}, timeout=60)
        assert response.status_code == 503
        assert "time limit" in response.text
        assert ask_count(server) > 0  # the server still answers
    finally:
        server.stop()


# ---------------------------------------------------------------- standard clients
def test_sparqlwrapper_client(provml_server: Any) -> None:
    from SPARQLWrapper import GET, JSON, POST, POSTDIRECTLY, TURTLE, XML, SPARQLWrapper

    for method in (GET, POST):
        client = SPARQLWrapper(provml_server.url + "/sparql")
        client.setMethod(method)
        client.setQuery(ACTIVITIES)
        client.setReturnFormat(JSON)
        bindings = client.query().convert()["results"]["bindings"]
        assert len(bindings) > 5
    client = SPARQLWrapper(provml_server.url + "/sparql")
    client.setQuery("ASK { ?s a <http://www.w3.org/ns/prov#Entity> }")
    client.setReturnFormat(XML)
    assert client.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "true"
    client.setQuery("CONSTRUCT WHERE { ?s a <http://www.w3.org/ns/prov#Agent> }")
    client.setReturnFormat(TURTLE)
    assert b"Agent" in client.query().convert()
    updater = SPARQLWrapper(provml_server.url + "/sparql", updateEndpoint=provml_server.url + "/sparql")
    updater.setMethod(POST)
    updater.setRequestMethod(POSTDIRECTLY)
    updater.addCustomHttpHeader("Authorization", f"Bearer {provml_server.token}")
    updater.setQuery(_insert("urn:test:wrapper", "w"))
    assert updater.query().response.status == 204
    assert graph_count(provml_server, "urn:test:wrapper") == 1
    httpx.post(provml_server.url + "/sparql", data={"update": "DROP GRAPH <urn:test:wrapper>"},
               headers=provml_server.auth())


def test_rdflib_sparqlstore_client(provml_server: Any) -> None:
    from rdflib import Graph, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(provml_server.url + "/sparql"))
    rows = list(graph.query(ACTIVITIES))
    assert len(rows) > 5 and all(isinstance(row[0], URIRef) for row in rows)
    assert graph.query("ASK { ?s ?p ?o }").askAnswer is True
    constructed = graph.query("CONSTRUCT WHERE { ?s a <http://www.w3.org/ns/prov#Agent> }").graph
    assert constructed is not None and len(constructed) > 0
    for method in ("POST", "POST_FORM"):
        store = SPARQLStore(provml_server.url + "/sparql", method=method, returnFormat="json")
        assert len(list(Graph(store=store).query(ACTIVITIES))) == len(rows)
