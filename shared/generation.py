"""Report generation for a paid order: the per-car fan-out on Cloud Tasks.

Placeholder entry point so that payment settlement can start generation; the fan-out itself
(Cloud Tasks, the worker, the reports) is built in the reports issue.
"""

from __future__ import annotations

from shared.settings import Settings


def start(settings: Settings, session_key: str) -> None:
    """Start (or resume) generating the reports of a paid order. Idempotent."""
