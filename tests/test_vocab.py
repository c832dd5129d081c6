"""provml_kg.vocab: closed namespaces equal to what the ontology files declare."""

from __future__ import annotations

import doctest

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

import provml_kg.vocab as vocab
from provml_kg.errors import UnknownTermError
from provml_kg.resources import ontology_file

DECLARING = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             RDF.Property, RDFS.Class, OWL.NamedIndividual}


def declared_terms(path: str, namespace: str) -> set[str]:
    graph = rdflib.Graph().parse(ontology_file(path))
    return {
        str(s)[len(namespace):]
        for s, _, o in graph.triples((None, RDF.type, None))
        if o in DECLARING and isinstance(s, rdflib.URIRef) and str(s).startswith(namespace)
    }


@pytest.mark.parametrize(
    ("namespace", "path"),
    [(vocab.PROVML, "provml.ttl"), (vocab.PROV, "imports/prov-o.ttl"), (vocab.MLS, "imports/mls.ttl")],
    ids=["provml", "prov", "mls"],
)
def test_closed_namespace_equals_declared_terms(namespace: vocab.ClosedNamespace, path: str) -> None:
    assert set(namespace.terms) == declared_terms(path, namespace.iri)


def test_unknown_term_raises_with_a_suggestion() -> None:
    with pytest.raises(UnknownTermError, match="did you mean 'TrainingExecution'"):
        vocab.PROVML.TrainingExecutoin
    with pytest.raises(AttributeError):  # an UnknownTermError is an AttributeError too
        getattr(vocab.MLS, "hasHyperparameter")


def test_terms_are_named_nodes_in_their_namespace() -> None:
    term = vocab.PROVML.hadStore
    assert term.value == "https://w3id.org/provml#hadStore"
    assert term in vocab.PROVML
    assert vocab.PROV.Entity not in vocab.PROVML
    assert vocab.XSD.dateTime.value == "http://www.w3.org/2001/XMLSchema#dateTime"


def test_sparql_prefixes_parse_in_a_query() -> None:
    from pyoxigraph import Store

    rows = list(Store().query(vocab.sparql_prefixes() + "SELECT ?x WHERE { VALUES ?x { provml:Model } }"))
    assert rows[0]["x"] == vocab.PROVML.Model


def test_docstring_examples() -> None:
    failures, tried = doctest.testmod(vocab)
    assert tried > 0 and failures == 0
