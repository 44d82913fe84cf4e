"""Runs one Markdown file's ``sh`` blocks in order in one bash, and splits what happened per block.

The script is the blocks exactly as written, each between two sentinel lines, under
``set -Eeuo pipefail`` (and ``inherit_errexit``: a failure inside ``$(…)`` counts too). An ERR
trap names the failing command; its script line is mapped back to the document's line.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.docs.snippets import Block

SENTINEL = "\x1e"  # ASCII record separator: in no output a block makes
_BEGIN = re.compile(rf"^{SENTINEL}BEGIN (\d+)$", re.MULTILINE)
_END = re.compile(rf"\n?{SENTINEL}END (\d+)$", re.MULTILINE)
_ERR = re.compile(rf"^{SENTINEL}ERR (\d+) (\d+) (.*)$", re.MULTILINE)
# {"error": {"code": …}} — compact or pretty-printed: the API's one error shape.
ERROR_BODY = re.compile(r'"error"\s*:\s*\{[^{}]*?"code"\s*:')
# A failure example asserts the error code it promises (jq -e '.error.code == "…"').
ASSERTS_ERROR_CODE = re.compile(r"\.error\.code\s*==")

PRELUDE = f"""\
set -Eeuo pipefail
shopt -s inherit_errexit
trap 'printf "\\n{SENTINEL}ERR %s %s %s\\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR
"""


@dataclass
class BlockOutcome:
    block: Block
    reached: bool = False
    finished: bool = False
    output: str = ""
    failed_line: int | None = None  # in the document
    failed_command: str = ""
    exit_status: int | None = None


@dataclass
class FileRun:
    path: Path
    workdir: Path
    exit_status: int
    timed_out: bool
    output: str
    outcomes: dict[int, BlockOutcome] = field(default_factory=dict)  # by the block's fence line

    def first_failure(self) -> BlockOutcome | None:
        return next((o for o in self.outcomes.values() if o.reached and not o.finished), None)


def compose(blocks: Sequence[Block]) -> tuple[str, list[tuple[int, int, Block]]]:
    """The script, and for each block the script lines its code spans (first, last)."""
    lines = PRELUDE.split("\n")[:-1]  # not splitlines(): \x1e is a line break to it
    spans = []
    for block in blocks:
        lines.append(f"printf '{SENTINEL}BEGIN %s\\n' {block.line}")
        code = block.code.rstrip("\n").split("\n")
        first = len(lines) + 1
        lines += code
        spans.append((first, first + len(code) - 1, block))
        lines.append(f"printf '\\n{SENTINEL}END %s\\n' {block.line}")
    return "\n".join(lines) + "\n", spans


def run_file(
    path: Path, blocks: Sequence[Block], workdir: Path, env: Mapping[str, str], timeout_s: float
) -> FileRun:
    script, spans = compose(blocks)
    (workdir / "snippets.sh").write_text(script, encoding="utf-8")
    process = subprocess.Popen(
        ["bash", "snippets.sh"],
        cwd=workdir,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: a timeout ends every child it started
    )
    timed_out = False
    try:
        raw, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        raw, _ = process.communicate()
    output = raw.decode("utf-8", errors="replace")
    (workdir / "output.txt").write_text(output, encoding="utf-8")  # to read after a failure
    run = FileRun(path, workdir, process.returncode, timed_out, output)
    run.outcomes = _outcomes(output, spans)
    return run


def _outcomes(output: str, spans: list[tuple[int, int, Block]]) -> dict[int, BlockOutcome]:
    outcomes = {block.line: BlockOutcome(block) for _, _, block in spans}
    begins = {int(m.group(1)): m for m in _BEGIN.finditer(output)}
    ends = {int(m.group(1)): m for m in _END.finditer(output)}
    for line, outcome in outcomes.items():
        begin = begins.get(line)
        if begin is None:
            continue
        outcome.reached = True
        end = ends.get(line)
        outcome.finished = end is not None
        stop = end.start() if end else len(output)
        outcome.output = output[begin.end() + 1 : stop]
    failed = next((o for o in outcomes.values() if o.reached and not o.finished), None)
    if failed is None:
        return outcomes
    # The first ERR line after the block began: the innermost failing command (maybe in a
    # function an earlier block defined; the trap repeats at each caller on the way out).
    first_error = _ERR.search(output, begins[failed.block.line].end())
    if first_error is not None:
        status, script_line, command = first_error.groups()
        for first, last, block in spans:
            if first <= int(script_line) <= last:  # the failing line may be in an earlier block
                failed.failed_line = block.first_code_line + int(script_line) - first
        failed.exit_status = int(status)
        failed.failed_command = command
    return outcomes


def clean_output(text: str) -> str:
    """A block's output without the ERR trap's lines (their facts are reported on their own)."""
    return _ERR.sub("", text).strip("\n")


def error_body_problem(outcome: BlockOutcome) -> str | None:
    """An API error printed by a block that promises data (not a failure example)."""
    if ASSERTS_ERROR_CODE.search(outcome.block.code):
        return None
    match = ERROR_BODY.search(outcome.output)
    if match is None:
        return None
    start = max(0, match.start() - 80)
    return f"an API error where the block promises data: …{outcome.output[start : start + 300]}…"


def not_pdfs(workdir: Path) -> list[str]:
    """Every ``*.pdf`` the blocks downloaded that is not a PDF (an error body saved as one)."""
    wrong = []
    for pdf in sorted(workdir.rglob("*.pdf")):
        head = pdf.read_bytes()[:300]
        if not head.startswith(b"%PDF-"):
            wrong.append(f"{pdf.relative_to(workdir)}: {head.decode('utf-8', errors='replace')!r}")
    return wrong
