"""Namespaces and terms of the vocabularies provml-kg writes: PROV-ML, PROV-O, ML Schema and friends.

``PROVML``, ``PROV`` and ``MLS`` are *closed*: they know exactly the terms their ontology files
declare (a test keeps the lists equal to ``ontology/``), so a typo fails at once instead of
silently writing a term nobody defined::

    >>> from provml_kg.vocab import PROVML, PROV
    >>> PROVML.TrainingExecution.value
    'https://w3id.org/provml#TrainingExecution'
    >>> PROV["wasGeneratedBy"].value
    'http://www.w3.org/ns/prov#wasGeneratedBy'
    >>> PROVML.Trainingexecution
    Traceback (most recent call last):
    ...
    provml_kg.errors.UnknownTermError: 'Trainingexecution' is not a term of PROV-ML (https://w3id.org/provml#); did you mean 'TrainingExecution'?

``RDF``, ``RDFS``, ``OWL``, ``XSD``, ``DCTERMS`` and ``SKOS`` are open namespaces. Terms are
``pyoxigraph.NamedNode`` values, ready to build quads.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pyoxigraph import NamedNode

from provml_kg.errors import UnknownTermError

PROVML_IRI = "https://w3id.org/provml"
"""The ontology IRI of PROV-ML."""

PROVML_VERSION_IRI = "https://w3id.org/provml/0.1.0"
"""The version IRI of this release of PROV-ML."""


class Namespace:
    """An open namespace: any local name makes a term.

    Example:
        >>> Namespace("http://example.org/", "ex")["x"].value
        'http://example.org/x'
    """

    __slots__ = ("iri", "prefix")

    def __init__(self, iri: str, prefix: str) -> None:
        self.iri = iri
        self.prefix = prefix

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)

    def __contains__(self, iri: object) -> bool:
        value = iri.value if isinstance(iri, NamedNode) else iri
        return isinstance(value, str) and value.startswith(self.iri)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.iri!r}, prefix={self.prefix!r})"


class ClosedNamespace(Namespace):
    """A namespace that knows exactly which terms exist; any other name raises.

    Raises:
        UnknownTermError: on access to a term not in :attr:`terms` (also an ``AttributeError``).
    """

    __slots__ = ("label", "terms")

    def __init__(self, iri: str, prefix: str, label: str, terms: Iterable[str]) -> None:
        super().__init__(iri, prefix)
        self.label = label
        self.terms = frozenset(terms)

    def __getitem__(self, name: str) -> NamedNode:
        if name not in self.terms:
            close = difflib.get_close_matches(name, sorted(self.terms), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownTermError(f"{name!r} is not a term of {self.label} ({self.iri}){hint}")
        return NamedNode(self.iri + name)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (NamedNode(self.iri + name) for name in sorted(self.terms))

    def __contains__(self, iri: object) -> bool:
        value = iri.value if isinstance(iri, NamedNode) else iri
        return (
            isinstance(value, str)
            and value.startswith(self.iri)
            and value[len(self.iri) :] in self.terms
        )


PROVML = ClosedNamespace(
    PROVML_IRI + "#",
    "provml",
    "PROV-ML",
    """
    Algorithm Attribute AttributeValue BaseLearningStage DataReference DataStore
    DataTransformation DataTransformationExecution DatasetCharacteristic Evaluation
    EvaluationExecution EvaluationMeasure EvaluationProcedure Feature FeatureSet FeatureSetData
    LearningExperiment LearningHyperparameter LearningHyperparameterValue LearningStage
    LearningStageExecution LearningStageSection LearningStageSectionExecution LearningTask Machine
    Model ModelEvaluation ModelHyperparameter ModelHyperparameterValue Persona Study Training
    TrainingExecution Validation ValidationExecution Workflow WorkflowExecution
    byteSize contentHash dataAttribute dataIdentifier device errorMessage errorType evaluatedModel evaluatedOn
    executesPlan experimentOf filePath framework hadDataRelationship hadProcedure hadStore
    hasAttribute hasCharacteristic hasFeature hostName mpiRank mpiSize numberOfInstances partOf
    partOfExecution personaRole ranOn sectionIndex sectionOf softwareVersion stageOf status step
    storeType storeUri transformationOf
    """.split(),
)
"""PROV-ML, the ontology in ``ontology/provml.ttl``."""

PROV = ClosedNamespace(
    "http://www.w3.org/ns/prov#",
    "prov",
    "PROV-O",
    """
    Activity ActivityInfluence Agent AgentInfluence Association Attribution Bundle Collection
    Communication Delegation Derivation EmptyCollection End Entity EntityInfluence Generation
    Influence InstantaneousEvent Invalidation Location Organization Person Plan PrimarySource
    Quotation Revision Role SoftwareAgent Start Usage actedOnBehalfOf activity agent alternateOf
    aq atLocation atTime category component constraints definition dm editorialNote
    editorsDefinition endedAtTime entity generated generatedAtTime hadActivity hadGeneration
    hadMember hadPlan hadPrimarySource hadRole hadUsage influenced influencer invalidated
    invalidatedAtTime inverse n order qualifiedAssociation qualifiedAttribution
    qualifiedCommunication qualifiedDelegation qualifiedDerivation qualifiedEnd
    qualifiedForm qualifiedGeneration qualifiedInfluence qualifiedInvalidation
    qualifiedPrimarySource qualifiedQuotation qualifiedRevision qualifiedStart qualifiedUsage
    sharesDefinitionWith specializationOf startedAtTime todo unqualifiedForm used value
    wasAssociatedWith wasAttributedTo wasDerivedFrom wasEndedBy wasGeneratedBy wasInfluencedBy
    wasInformedBy wasInvalidatedBy wasQuotedFrom wasRevisionOf wasStartedBy
    """.split(),
)
"""W3C PROV-O (2013 Recommendation)."""

MLS = ClosedNamespace(
    "http://www.w3.org/ns/mls#",
    "mls",
    "ML Schema",
    """
    Algorithm Data DataCharacteristic Dataset DatasetCharacteristic EvaluationMeasure
    EvaluationProcedure EvaluationSpecification Experiment Feature FeatureCharacteristic
    HyperParameter HyperParameterSetting Implementation ImplementationCharacteristic
    InformationEntity Model ModelCharacteristic ModelEvaluation Process Quality Run Software
    Study Task achieves definedOn defines executes hasHyperParameter hasInput hasOutput hasPart
    hasQuality hasValue implements realizes specifiedBy
    """.split(),
)
"""W3C ML Schema core."""

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#", "rdfs")
OWL = Namespace("http://www.w3.org/2002/07/owl#", "owl")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#", "xsd")
DCTERMS = Namespace("http://purl.org/dc/terms/", "dcterms")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#", "skos")

NAMESPACES: tuple[Namespace, ...] = (PROVML, PROV, MLS, RDF, RDFS, OWL, XSD, DCTERMS, SKOS)
"""Every namespace above, in the order prefixes are written in serialisations."""


def prefixes() -> dict[str, str]:
    """Return the prefix -> namespace IRI mapping used for serialisations and SPARQL headers."""
    return {ns.prefix: ns.iri for ns in NAMESPACES}


def sparql_prefixes() -> str:
    """Return ``PREFIX`` lines for every known namespace, to put in front of a SPARQL query."""
    return "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in prefixes().items())
