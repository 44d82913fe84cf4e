"""What ``gcloud functions deploy --source=.`` uploads: the repository root minus ``.gcloudignore``.

gcloud reads ``.gcloudignore`` with gitignore semantics; ``pathspec``'s ``GitIgnoreSpec`` applies
the same rules here. ``python -m dev.deploy_source DEST`` copies the upload into DEST (a test
starts every function from such a copy, as the Python buildpack would).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pathspec

REPO_ROOT = Path(__file__).resolve().parent.parent


def ignore_spec(root: Path = REPO_ROOT) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines((root / ".gcloudignore").read_text().splitlines())


def upload_files(root: Path = REPO_ROOT) -> list[str]:
    """Every file gcloud would upload, as sorted POSIX paths relative to ``root``."""
    spec = ignore_spec(root)
    files: list[str] = []
    for directory, subdirectories, names in os.walk(root):
        relative = Path(directory).relative_to(root)
        # An ignored directory is skipped whole (gitignore: nothing below it can be re-included).
        subdirectories[:] = sorted(
            d for d in subdirectories if not spec.match_file(f"{(relative / d).as_posix()}/")
        )
        for name in names:
            path = (relative / name).as_posix()
            if not spec.match_file(path):
                files.append(path)
    return sorted(files)


def assemble(destination: Path, root: Path = REPO_ROOT) -> list[str]:
    """Copy the upload into ``destination`` (created); returns the files copied."""
    files = upload_files(root)
    for path in files:
        target = destination / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / path, target)
    return files


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m dev.deploy_source DEST")
    for path in assemble(Path(sys.argv[1])):
        print(path)


if __name__ == "__main__":
    main()
