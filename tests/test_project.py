"""Project-wide rules: the README's commands, CI, layering, generated docs, docstring examples."""

from __future__ import annotations

import ast
import doctest
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import provml_kg

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "provml_kg"

# design.md section 3: lower layers never import higher ones.
LAYERS = {
    "errors": 0, "vocab": 0, "resources": 0, "events": 0, "formats": 0,
    "capture": 1, "ontology": 1, "graph": 1,
    "store": 2, "remote": 2, "checkpoint": 2, "validate": 2, "interop": 2,
    "queries": 3,
    "server": 4, "cli": 4, "demo": 4,
}


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README.md must start with a bash block holding the two commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_the_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    main_job, tests = commands
    assert main_job.startswith("python3 -m venv .venv && ") and "provml " in main_job
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def module_layer(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "provml_kg" or len(parts) == 1:
        return -1
    top = parts[1]
    assert top in LAYERS, f"provml_kg.{top} has no layer: add it to LAYERS in tests/test_project.py"
    return LAYERS[top]


def test_lower_layers_never_import_higher_ones() -> None:
    offences = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        own = module_layer(module)
        if own < 0:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.startswith("provml_kg.") and module_layer(name) > own:
                    offences.append(f"{module} (layer {own}) imports {name} (layer {module_layer(name)})")
    assert offences == []


def all_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(provml_kg.__path__, "provml_kg.")
                  if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", all_modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0


def test_importing_the_package_has_no_side_effects() -> None:
    code = "import sys, provml_kg; print(sorted(m for m in sys.modules if m.startswith('provml_kg')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['provml_kg']"


def test_generated_files_are_up_to_date() -> None:
    for script in ("build_owl.py", "gen_ontology_docs.py"):
        done = subprocess.run([sys.executable, str(ROOT / "scripts" / script), "--check"],
                              capture_output=True, text=True)
        assert done.returncode == 0, f"run scripts/{script}: {done.stdout}{done.stderr}"
