"""Cold start: importing a package of the library loads nothing else.

A function imports ``shared.x.y``; Python runs every ``__init__.py`` on the way. An import there
would load code (or a heavy client) for every function that touches the package, so these files
hold a docstring only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_INITS = sorted((REPO_ROOT / "shared").rglob("__init__.py"))


def test_the_library_has_packages() -> None:
    assert len(PACKAGE_INITS) > 10


@pytest.mark.parametrize(
    "init", PACKAGE_INITS, ids=[str(p.parent.relative_to(REPO_ROOT)) for p in PACKAGE_INITS]
)
def test_a_package_init_imports_nothing(init: Path) -> None:
    tree = ast.parse(init.read_text(), filename=str(init))
    imports = [
        f"{init.relative_to(REPO_ROOT)}:{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not imports, "move the code into a module of the package:\n" + "\n".join(imports)
