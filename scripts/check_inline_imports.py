"""Check that every function-level import of a project module says why it is not at the top.

Usage: ``python scripts/check_inline_imports.py [PATH ...]`` (default: the project's packages).
Each such import must end with a one-word reason comment, e.g. ``# leaf`` (a Celery task
importing its service), ``# lazy`` (a heavy module loaded on first use), ``# cycle``.
Exit status 1 lists the offending lines as ``path:line: text``; 0 when all are explained.
(docs/architecture.md, "Inline imports".)
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PROJECT = ("accounts", "assemblies", "lottery", "opendlp", "selection")
DEFAULT_PATHS = (*PROJECT, "benchmarks")
REASON = re.compile(r"#\s*[a-z]+\b")


def _project_module(node: ast.Import | ast.ImportFrom) -> str | None:
    if isinstance(node, ast.ImportFrom):
        if node.level:
            return node.module or "."
        names = [node.module or ""]
    else:
        names = [alias.name for alias in node.names]
    for name in names:
        if name.split(".")[0] in PROJECT:
            return name
    return None


def problems(path: Path) -> list[str]:
    """The inline project imports of one file that carry no reason comment."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom) and _project_module(node):
                last = lines[(node.end_lineno or node.lineno) - 1]
                if not REASON.search(last.split("#", 1)[1] if "#" in last else ""):
                    if not REASON.search(last):
                        found.append(f"{path}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return sorted(set(found))


def main(argv: list[str]) -> int:
    """Check the given paths (files or folders); print problems; return the exit status."""
    paths = [Path(p) for p in (argv or DEFAULT_PATHS)]
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*.py")))]
    found = [line for f in files if "migrations" not in f.parts for line in problems(f)]
    for line in found:
        print(f"{line}  <- add a one-word reason comment, e.g. '# leaf'")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
