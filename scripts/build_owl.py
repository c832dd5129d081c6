"""Regenerate the RDF/XML renditions that owlready2 and Protégé users need from the Turtle sources.

    python scripts/build_owl.py          # writes ontology/provml.owl and ontology/imports/mls.owl
    python scripts/build_owl.py --check  # exits 1 if either file is out of date

ontology/provml.ttl is the source of truth; ontology/imports/mls.owl is a format conversion of the
unmodified ML Schema file (owlready2 finds an import by file name and reads no Turtle).
"""

from __future__ import annotations

import argparse
import sys

from provml_kg.ontology import render_rdfxml, same_graph
from provml_kg.resources import ontology_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report whether the files are in sync")
    args = parser.parse_args()
    folder = ontology_dir()
    pairs = [(folder / "provml.ttl", folder / "provml.owl"), (folder / "imports/mls.ttl", folder / "imports/mls.owl")]
    stale = []
    for source, target in pairs:
        if target.is_file() and same_graph(target, source):
            continue
        stale.append(target)
        if not args.check:
            target.write_bytes(render_rdfxml(source))
            print(f"wrote {target.relative_to(folder.parent)}")
    if args.check and stale:
        print("out of date: " + ", ".join(str(p) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
