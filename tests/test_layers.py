"""The layering rules of docs/architecture.md that a machine can check."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_selection_imports_nothing_from_django():
    files = sorted((ROOT / "selection").rglob("*.py"))
    assert files, "selection/ has no Python files"
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] in {"django", "opendlp"}
        )
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_imported_modules_detects_django(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from django.db import models\nimport os\n")
    assert "django.db" in imported_modules(sample)


def test_algorithm_choices_are_the_engines_algorithms():
    """One list of algorithms: the assemblies' choices are the engine's own names, in order."""
    from assemblies.models import Algorithm
    from selection.engine import ALGORITHMS

    assert tuple(Algorithm.values) == tuple(ALGORITHMS)


def test_inline_import_check_flags_an_unexplained_import(tmp_path):
    """The lint step that asks every function-level project import for its reason."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "check_inline_imports", ROOT / "scripts" / "check_inline_imports.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from assemblies import models\n\n"
        "def g():\n    from assemblies import states  # leaf\n"
    )
    found = module.problems(sample)
    assert len(found) == 1 and ":2:" in found[0]
    assert module.main([str(ROOT / "assemblies")]) == 0
