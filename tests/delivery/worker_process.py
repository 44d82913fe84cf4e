"""The report worker in a process of its own, served by functions-framework as in the cloud.

``python -m tests.delivery.worker_process --port N [--die-before-upload]``: with the flag the
process ends itself (``os._exit``, no cleanup, like an instance killed by the platform) when the
worker is about to upload its first report — after its Tesla calls and their record, before any
upload. Settings come from the environment, as a deployed function's do.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from functions_framework import create_app
from werkzeug.serving import run_simple

ENTRY_MODULE = Path(__file__).resolve().parents[2] / "main.py"
KILLED = 137  # what a SIGKILLed process reports


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--die-before-upload", action="store_true")
    args = parser.parse_args()
    if args.die_before_upload:
        from shared.delivery import report_store

        def die(*_args: object, **_kwargs: object) -> None:
            os._exit(KILLED)

        report_store.save_report = die  # type: ignore[assignment]
    app = create_app("reports_worker", str(ENTRY_MODULE))
    run_simple("127.0.0.1", args.port, app, threaded=True)


if __name__ == "__main__":
    main()
