"""Issue #20: the README's and docs' ``sh`` blocks run as written against the local stack.

Every ``sh`` block of README.md and docs/*.md (read from the files, never copied) runs in one
``bash -Eeuo pipefail`` per file, in file order, against the test cloud: the gateway on a real
port (``CPT_API``), the emulators, localstripe (``CPT_STRIPE_API_BASE``), the Tesla and PayPal
simulators, commerce data seeded the way ``make up`` seeds it. One test per block, named
``<file>:<fence line>``; a block fails on a non-zero exit (the document line of the failing
command is reported), on an API error body where it promises data, and a file's downloads must
all be PDFs. Blocks marked needs-cloud or skip are skipped with their reason.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dev.localcloud import reset_firestore
from shared.platform.settings import get_settings
from shared.pricing.book import clear_commerce_cache
from tests.docs.runner import FileRun, clean_output, error_body_problem, not_pdfs, run_file
from tests.docs.snippets import REPO_ROOT, SHELL_LANGUAGES, Block, all_blocks
from tests.fixtures.localcloud import TEST_PROJECT

pytestmark = pytest.mark.system  # runs bash, through tests/docs/runner.py

README_VOUCHERS = Path(__file__).resolve().parent / "data" / "vouchers.json"
# The README waits up to 3 minutes for a report itself; this only ends a run that hangs.
FILE_TIMEOUT_S = 300
WAKE_DELAY_S = 3.0
SESSION_ID = re.compile(r"session_id=([A-Za-z0-9_-]{43})")

_blocks, _ = all_blocks()
SHELL_BLOCKS = [block for block in _blocks if block.language in SHELL_LANGUAGES]
RUN_BLOCKS = [block for block in SHELL_BLOCKS if block.runs]
SHOWN = [block for block in SHELL_BLOCKS if block.runs or block.marker is not None]
_runs: dict[Path, FileRun] = {}


def _param(block: Block) -> object:
    reason = block.skip_reason
    marks = [pytest.mark.skip(reason=reason)] if reason else []
    return pytest.param(block, id=block.id, marks=marks)


@dataclass
class DocsStack:
    api: str  # what CPT_API holds: the gateway's /api/v1
    env: dict[str, str]


@pytest.fixture
def docs_stack(
    live_gateway: str,
    tesla,
    paypal,
    stripe_api: str,
    firestore_db,
    tasks_emulator,
    local_cloud,
) -> Iterator[DocsStack]:
    """What ``make up`` gives a newcomer, on the test cloud.

    Tesla redirects to this gateway's callback (registered with the simulator, as ``make up``
    does), which also makes the report list's ``pdf_url`` point here. The commerce data is seeded
    as ``make up`` seeds it, from the tests' price book and seller and the README's two local
    voucher codes (tests/docs/data/vouchers.json), into the emptied emulator.
    """
    from dev.seed import seed_commerce

    callback = f"{live_gateway}/api/v1/tesla/oauth/callback"
    tesla.admin("redirect_uris", {"redirect_uri": callback})
    # A sleeping car wakes in 3 s instead of make up's 15: the blocks poll for the report either
    # way, and the tier stays quick (the simulator is reset after the run).
    tesla.admin("settings", {"wake_delay_seconds": WAKE_DELAY_S})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CPT_TESLA_REDIRECT_URI", callback)
        patch.setenv("CPT_VOUCHERS_PATH", str(README_VOUCHERS))
        _forget_settings()
        seed_commerce(get_settings())
        api = f"{live_gateway}/api/v1"
        yield DocsStack(api, {**os.environ, "CPT_API": api, "CPT_STRIPE_API_BASE": stripe_api})
        tasks_emulator.wait_idle(timeout=10)  # reports still in flight end here, not later
    tesla.reset()  # the wake delay and redirect URI back as they were, for tests using tesla_sim
    # Nor do the seeded vouchers and orders outlive the test (in `local`, vouchers in the
    # emulator replace the seed file other tests rely on).
    reset_firestore(local_cloud.env["FIRESTORE_EMULATOR_HOST"], TEST_PROJECT)
    _forget_settings()


def _forget_settings() -> None:
    get_settings.cache_clear()
    clear_commerce_cache()


def _run_of(block: Block, stack: DocsStack, tmp_path_factory, seen_secrets) -> FileRun:
    """The run of the block's whole file (once per file: its blocks build on each other)."""
    if block.path not in _runs:
        if shutil.which("jq") is None:
            pytest.skip("the docs' blocks need jq: apt-get install jq (or brew install jq)")
        blocks = [b for b in RUN_BLOCKS if b.path == block.path]
        workdir = tmp_path_factory.mktemp(block.path.stem)
        run = run_file(REPO_ROOT / block.path, blocks, workdir, stack.env, FILE_TIMEOUT_S)
        seen_secrets.add(*SESSION_ID.findall(run.output))  # never in a log line either
        _runs[block.path] = run
    return _runs[block.path]


@pytest.mark.parametrize("block", [_param(block) for block in SHOWN])
def test_block_runs_as_written(block: Block, docs_stack, tmp_path_factory, seen_secrets) -> None:
    run = _run_of(block, docs_stack, tmp_path_factory, seen_secrets)
    outcome = run.outcomes[block.line]
    if not outcome.reached:
        failed = run.first_failure()
        where = failed.block.id if failed else "the shell"
        if run.timed_out:
            pytest.fail(f"{block.id}: not reached: the run timed out ({FILE_TIMEOUT_S} s)")
        pytest.skip(f"{block.id}: not reached, {where} failed first")
    output = clean_output(outcome.output)
    if not outcome.finished:
        why = f"timed out after {FILE_TIMEOUT_S} s" if run.timed_out else "failed"
        if outcome.failed_line:
            why += (
                f" at {block.path.as_posix()}:{outcome.failed_line} (exit {outcome.exit_status}:"
                f" {outcome.failed_command})"
            )
        pytest.fail(f"{block.id} {why}\n--- its output ---\n{output[-4000:]}")
    problem = error_body_problem(outcome)
    assert problem is None, f"{block.id}: {problem}"


@pytest.mark.parametrize(
    "path", sorted({block.path for block in RUN_BLOCKS}), ids=lambda path: path.as_posix()
)
def test_downloads_are_pdfs(path: Path, docs_stack, tmp_path_factory, seen_secrets) -> None:
    first = next(block for block in RUN_BLOCKS if block.path == path)
    run = _run_of(first, docs_stack, tmp_path_factory, seen_secrets)
    assert not run.first_failure(), f"{path}: a block failed (see its test)"
    wrong = not_pdfs(run.workdir)
    assert not wrong, f"{path}: downloads that are not PDFs: {wrong}"
