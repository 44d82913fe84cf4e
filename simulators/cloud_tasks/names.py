"""Resource names as Cloud Tasks spells them, and the ids it makes up.

``projects/PROJECT_ID/locations/LOCATION_ID/queues/QUEUE_ID/tasks/TASK_ID``: PROJECT_ID letters,
digits, ``-``, ``:``, ``.``; QUEUE_ID letters, digits, ``-`` (at most 100); TASK_ID letters,
digits, ``-``, ``_`` (at most 500) — the ``Queue.name`` and ``Task.name`` docstrings.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from .errors import invalid_argument

_PROJECT = r"[A-Za-z0-9:.\-]+"
_LOCATION = r"[A-Za-z0-9\-]+"
LOCATION_RE = re.compile(rf"^projects/({_PROJECT})/locations/({_LOCATION})$")
QUEUE_RE = re.compile(
    rf"^projects/{_PROJECT}/locations/{_LOCATION}/queues/([A-Za-z0-9\-]{{1,100}})$"
)
TASK_RE = re.compile(
    rf"^(projects/{_PROJECT}/locations/{_LOCATION}/queues/[A-Za-z0-9\-]{{1,100}})"
    rf"/tasks/([A-Za-z0-9_\-]{{1,500}})$"
)


@dataclass(frozen=True)
class TaskName:
    queue: str  # full queue path
    task_id: str

    @property
    def full(self) -> str:
        return f"{self.queue}/tasks/{self.task_id}"


def check_location(parent: str) -> str:
    if not LOCATION_RE.match(parent):
        raise invalid_argument(f"Invalid resource field value in the request: parent {parent!r}")
    return parent


def check_queue_name(name: str) -> str:
    if not QUEUE_RE.match(name):
        raise invalid_argument(f"Invalid resource field value in the request: queue {name!r}")
    return name


def queue_id(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def queue_parent(name: str) -> str:
    return name.rsplit("/queues/", 1)[0]


def parse_task_name(name: str) -> TaskName:
    match = TASK_RE.match(name)
    if not match:
        raise invalid_argument(f"Invalid resource field value in the request: task {name!r}")
    return TaskName(queue=match.group(1), task_id=match.group(2))


def generated_task_id() -> str:
    """A random id like the ones Cloud Tasks makes up (UNVERIFIED format: a long decimal)."""
    return str(secrets.randbelow(9 * 10**19) + 10**19)
