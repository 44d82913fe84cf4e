"""The block runner itself, on a made-up page: what it reports when a block goes wrong."""

from __future__ import annotations

import os

import pytest

from tests.docs.runner import FileRun, clean_output, error_body_problem, not_pdfs, run_file
from tests.docs.snippets import read_blocks

pytestmark = pytest.mark.system  # runs bash (tests/conftest.py reads only this module)

PAGE = """\
# A page

```sh
GREETING=hello
must_contain() {
  grep -q "$2" <<<"$1"
}
echo "$GREETING"
```

```sh
echo '{"error": {"code": "not_found", "message": "No such session."}}'
```

```sh
echo '{"error": {"code": "conflict"}}' | jq -e '.error.code == "conflict"'
printf 'not a pdf' > car.pdf
```

```sh
echo "$GREETING again"
must_contain x y
echo never
```

```sh
echo unreachable
```
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> FileRun:
    """One run of the page for the module's tests."""
    tmp_path = tmp_path_factory.mktemp("page")
    page = tmp_path / "page.md"
    page.write_text(PAGE, encoding="utf-8")
    blocks, problems = read_blocks(page, tmp_path)
    assert not problems
    workdir = tmp_path / "work"
    workdir.mkdir()
    return run_file(page, blocks, workdir, dict(os.environ), timeout_s=30)


def test_blocks_share_one_shell_and_stop_at_the_first_failure(run: FileRun) -> None:
    outcomes = list(run.outcomes.values())
    assert [(o.reached, o.finished) for o in outcomes] == [
        (True, True),
        (True, True),
        (True, True),
        (True, False),
        (False, False),
    ]
    assert clean_output(outcomes[0].output) == "hello"
    failed = run.first_failure()
    assert failed is outcomes[3]
    # The grep inside the function the first block defined, as the page numbers its lines.
    assert failed.failed_line == 6
    assert failed.failed_command.startswith("grep -q")
    assert failed.exit_status == 1
    assert clean_output(failed.output) == "hello again"
    assert run.exit_status == 1


def test_an_error_body_fails_a_block_unless_it_asserts_that_error(run: FileRun) -> None:
    outcomes = list(run.outcomes.values())
    assert error_body_problem(outcomes[0]) is None
    assert "an API error where the block promises data" in (error_body_problem(outcomes[1]) or "")
    assert error_body_problem(outcomes[2]) is None  # a failure example: it checks the code


def test_a_download_that_is_not_a_pdf_is_named(run: FileRun) -> None:
    assert not_pdfs(run.workdir) == ["car.pdf: 'not a pdf'"]
