"""Make sure Debian's Chromium is there for the browser tests (tests/browser/).

Playwright's own browser download (``playwright install``) is never used: the tests drive the
distribution's ``chromium`` package at ``/usr/bin/chromium``. When it is missing and this runs as
root on a Debian-like machine, it installs it with apt-get and prints every command it runs;
otherwise it says, in one line, what to run and why the browser tests will be skipped.

``python -m dev.browser`` exits 0 in every case (a missing browser skips the browser tests
visibly, it does not fail the suite); ``--require`` makes a missing browser exit 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path(os.environ.get("CPT_CHROMIUM", "/usr/bin/chromium"))
INSTALL = ("apt-get", "install", "-y", "--no-install-recommends", "chromium")


def chromium_path() -> Path | None:
    """The Chromium the tests launch, or None when it is not installed."""
    return CHROMIUM if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK) else None


def _run(command: tuple[str, ...]) -> bool:
    print("dev.browser: $ " + " ".join(command), flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, env=environment, check=False).returncode == 0


def ensure_chromium() -> Path | None:
    """Chromium's path, installing Debian's package first when possible."""
    found = chromium_path()
    if found is not None:
        return found
    if shutil.which("apt-get") is None:
        print(f"dev.browser: {CHROMIUM} missing and no apt-get here; browser tests will be skipped")
        return None
    if os.geteuid() != 0:
        print(
            f"dev.browser: {CHROMIUM} missing; run `sudo {' '.join(INSTALL)}` "
            "(browser tests will be skipped until then)"
        )
        return None
    print(f"dev.browser: {CHROMIUM} missing; installing Debian's chromium package", flush=True)
    if not _run(("apt-get", "install", "-y", "--no-install-recommends", "chromium")):
        _run(("apt-get", "update"))  # a fresh container has no package lists yet
        _run(INSTALL)
    found = chromium_path()
    print(f"dev.browser: {'installed ' + str(found) if found else 'chromium install failed'}")
    return found


def main(argv: list[str]) -> int:
    found = ensure_chromium()
    if found is not None:
        version = subprocess.run(
            (str(found), "--version"), capture_output=True, text=True, check=False
        ).stdout.strip()
        print(f"dev.browser: using {found} ({version or 'version unknown'})")
    return 1 if found is None and "--require" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
