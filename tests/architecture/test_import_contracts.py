"""The import contracts of pyproject.toml, checked by plain ``pytest`` too: a broken layer fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

pytestmark = pytest.mark.pure

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_every_import_contract_is_kept(capsys: pytest.CaptureFixture[str]) -> None:
    # No cache: a stale graph could hide a new import. The report (kept and broken contracts, with
    # the offending import chains) is printed; a failure shows it.
    configuration.configure()  # what `lint-imports` does first: registers the config readers
    kept = lint_imports(config_filename=str(PYPROJECT), cache_dir=None, no_logo=True)
    report = capsys.readouterr().out
    assert kept, report
