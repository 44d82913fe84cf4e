"""The docs' code blocks and the snippet convention (issue #20), read from the Markdown itself.

- A block fenced ```` ```sh ```` is run by ``test_readme_snippets.py``: every block of one file in
  order, in one ``bash`` with ``set -euo pipefail``, against the local stack.
- ``<!-- snippet: needs-cloud -->`` on the line before a block: it needs a real GCP project, and
  is skipped with that reason; ``<!-- snippet: skip <reason> -->``: not runnable for another reason.
- ``text``, ``json``, ``console`` blocks are examples and outputs (not run). A ``bash`` or
  ``shell`` block needs a marker: a shell block is either run or says why not, so none escapes
  the test silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_LANGUAGE = "sh"
# Shell blocks that are not run must say why (a marker); ``console`` is a transcript (example).
UNMARKED_SHELL_LANGUAGES = frozenset({"bash", "shell", "zsh"})
SHELL_LANGUAGES = frozenset({RUN_LANGUAGE, "console", *UNMARKED_SHELL_LANGUAGES})

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(?P<body>.*?)\s*-->\s*$")
_ANY_MARKER = re.compile(r"^\s*<!--\s*snippet\b")  # a marker is a line of its own


@dataclass(frozen=True)
class Marker:
    line: int
    kind: str  # "needs-cloud" or "skip"
    reason: str


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    path: Path  # relative to the repository root
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    marker: Marker | None

    @property
    def first_code_line(self) -> int:
        return self.line + 1

    @property
    def id(self) -> str:
        return f"{self.path.as_posix()}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.language == RUN_LANGUAGE and self.marker is None

    @property
    def skip_reason(self) -> str | None:
        if self.marker is None:
            return None
        if self.marker.kind == "needs-cloud":
            return f"{self.id}: needs a real cloud project (snippet: needs-cloud)"
        return f"{self.id}: {self.marker.reason} (snippet: skip)"


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path.as_posix()}:{self.line}: {self.message}"


def doc_files(root: Path = REPO_ROOT) -> list[Path]:
    """README.md and every docs/*.md, found anew each run (pages other people add included)."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def relative(path: Path, root: Path = REPO_ROOT) -> Path:
    return path.relative_to(root) if path.is_absolute() and path.is_relative_to(root) else path


def parse_marker(text: str) -> tuple[str, str] | None:
    """``needs-cloud`` → (needs-cloud, ""); ``skip <reason>`` → (skip, reason); else None."""
    match = _MARKER.match(text)
    if not match:
        return None
    body = match.group("body")
    if body == "needs-cloud":
        return "needs-cloud", ""
    kind, _, reason = body.partition(" ")
    if kind == "skip" and reason.strip():
        return "skip", reason.strip()
    return None


def read_blocks(path: Path, root: Path = REPO_ROOT) -> tuple[list[Block], list[Problem]]:
    """Every fenced block of a Markdown file, with its marker, and what breaks the convention."""
    lines = path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    name = relative(path, root)
    blocks: list[Block] = []
    problems: list[Problem] = []
    pending: Marker | None = None
    index = 0
    while index < len(lines):
        text = lines[index]
        fence = _FENCE.match(text)
        if fence is None:
            pending, problem = _marker_state(name, index, text, pending)
            if problem:
                problems.append(problem)
            index += 1
            continue
        end = _closing_fence(lines, index, fence.group("fence"))
        indent = len(fence.group("indent"))
        code = "\n".join(_dedent(line, indent) for line in lines[index + 1 : end])
        language = (fence.group("info").split() or [""])[0].lower()
        blocks.append(Block(name, index + 1, language, code + "\n", pending))
        problems += _block_problems(blocks[-1])
        pending = None
        index = end + 1
    if pending is not None:
        problems.append(Problem(name, pending.line, "snippet marker with no code block after it"))
    return blocks, problems


def _dedent(line: str, indent: int) -> str:
    """A block inside a list item is indented with its fence; its code is not."""
    strip = len(line) - len(line.lstrip(" \t"))
    return line[min(strip, indent) :]


def _marker_state(
    name: Path, index: int, text: str, pending: Marker | None
) -> tuple[Marker | None, Problem | None]:
    """The marker waiting for the next fence after this (non-fence) line."""
    if not text.strip():
        return pending, None  # blank lines between a marker and its block are fine
    if _ANY_MARKER.search(text):
        parsed = parse_marker(text)
        if parsed is None:
            return None, Problem(
                name,
                index + 1,
                "unknown snippet marker: use <!-- snippet: needs-cloud --> or "
                "<!-- snippet: skip <reason> -->",
            )
        if pending is not None:
            return Marker(index + 1, *parsed), Problem(name, pending.line, "two markers in a row")
        return Marker(index + 1, *parsed), None
    if pending is not None:
        return None, Problem(name, pending.line, "snippet marker not directly before a code block")
    return None, None


def _closing_fence(lines: list[str], start: int, fence: str) -> int:
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for index in range(start + 1, len(lines)):
        if closing.match(lines[index]):
            return index
    return len(lines)  # an unclosed fence runs to the end of the document (CommonMark)


def _block_problems(block: Block) -> list[Problem]:
    if block.marker is not None and block.language not in SHELL_LANGUAGES:
        return [
            Problem(block.path, block.marker.line, "snippet marker on a block that is not shell")
        ]
    if block.marker is None and block.language in UNMARKED_SHELL_LANGUAGES:
        return [
            Problem(
                block.path,
                block.line,
                f"```{block.language} block: use ```sh (the tests run it), ```console (an "
                "example), or put <!-- snippet: needs-cloud --> / <!-- snippet: skip <reason> --> "
                "on the line before it",
            )
        ]
    return []


def all_blocks(root: Path = REPO_ROOT) -> tuple[list[Block], list[Problem]]:
    blocks: list[Block] = []
    problems: list[Problem] = []
    for path in doc_files(root):
        found, wrong = read_blocks(path, root)
        blocks += found
        problems += wrong
    return blocks, problems
