"""``python -m provml_kg.cli``: the same as the ``provml`` command."""

import sys

from provml_kg.cli import main

sys.exit(main())
