"""provml-kg: provenance of the machine-learning lifecycle as a PROV-ML knowledge graph.

The package is layered; lower layers never import higher ones:

0. :mod:`provml_kg.errors`, :mod:`provml_kg.vocab`, :mod:`provml_kg.resources`, :mod:`provml_kg.events`
1. :mod:`provml_kg.capture`, :mod:`provml_kg.ontology`, :mod:`provml_kg.graph`
2. :mod:`provml_kg.store`
3. :mod:`provml_kg.queries`
4. :mod:`provml_kg.server`, :mod:`provml_kg.cli`

Importing the package does nothing but define the version: import the module you need.
"""

__version__ = "0.1.0"
