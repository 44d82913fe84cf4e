"""The pure core reads no clock and draws no randomness: "now" and random values are parameters.

The pure core is the source list of the import contract that keeps I/O out of it (pyproject.toml),
so both checks always cover the same modules. Parsed, not imported: nothing is executed.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

REPO_ROOT = Path(__file__).resolve().parents[2]
PURE_CORE_CONTRACT = "The pure core"  # the start of that contract's name in pyproject.toml

FORBIDDEN_MODULES = frozenset({"time", "random", "secrets"})
CLOCK_READS = {
    "datetime.datetime": frozenset({"now", "utcnow", "today"}),
    "datetime.date": frozenset({"today"}),
    "time": frozenset({"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter"}),
}


def pure_core_modules() -> list[str]:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["name"].startswith(PURE_CORE_CONTRACT)]
    return list(contract["source_modules"])


def module_files(dotted: str) -> list[Path]:
    """The file of a module, or every file of a package."""
    base = REPO_ROOT.joinpath(*dotted.split("."))
    if base.is_dir():
        return sorted(base.rglob("*.py"))
    return [base.with_suffix(".py")]


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it stands for: ``dt`` -> ``datetime``, ``date`` -> ``datetime.date``."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """``dt.datetime`` -> ``datetime.datetime`` when ``dt`` is the datetime module; else None."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


def violations(path: Path) -> list[tuple[int, str]]:
    """(line, what) for every forbidden import and clock read of a source file, in line order."""
    tree = ast.parse(path.read_text(), filename=str(path))
    aliases = _import_aliases(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            if name.split(".")[0] in FORBIDDEN_MODULES:
                found.append((node.lineno, f"imports {name}"))
        # A reference is enough (``default_factory=datetime.now`` reads the clock later).
        if isinstance(node, ast.Attribute):
            owner = _dotted(node.value, aliases)
            if owner in CLOCK_READS and node.attr in CLOCK_READS[owner]:
                found.append((node.lineno, f"reads the clock ({owner}.{node.attr})"))
    return sorted(found)


def test_the_pure_core_list_names_existing_modules() -> None:
    modules = pure_core_modules()
    assert modules
    for module in modules:
        files = module_files(module)
        assert files and all(f.is_file() for f in files), f"{module} is not in the tree"


@pytest.mark.parametrize("module", pure_core_modules())
def test_the_pure_core_reads_no_clock_and_draws_no_randomness(module: str) -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {what}"
        for path in module_files(module)
        for line, what in violations(path)
    ]
    assert not found, "pass the clock or the random value in instead:\n" + "\n".join(found)


def test_the_checker_sees_every_form_of_clock_read(tmp_path: Path) -> None:
    """The check itself: every way the clock is commonly read is caught (no false "clean")."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import datetime as dt\n"
        "from datetime import date, datetime\n"
        "from secrets import token_hex\n"
        "import random\n"
        "a = dt.datetime.now()\n"
        "b = datetime.utcnow()\n"
        "c = date.today()\n"
        "factory = datetime.now\n"
        "d = datetime(2026, 1, 1).replace(day=2)\n"  # not a clock read
        "def f():\n"
        "    import time\n"
        "    return time.monotonic()\n"
    )
    assert violations(sample) == [
        (3, "imports secrets"),
        (4, "imports random"),
        (5, "reads the clock (datetime.datetime.now)"),
        (6, "reads the clock (datetime.datetime.utcnow)"),
        (7, "reads the clock (datetime.date.today)"),
        (8, "reads the clock (datetime.datetime.now)"),
        (11, "imports time"),
        (12, "reads the clock (time.monotonic)"),
    ]
