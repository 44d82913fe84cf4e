"""The order's state machine, as pure data: which action is allowed in which status.

    connected ──select──▶ vehicles_selected ──pay──▶ paid ──start_generation──▶ generating
        ▲                    │  ▲                          │                        │  ▲
        └────────────────────┘  └─ select (re-selection)   │   need_reconnect       │  │ reconnect
                                                           └──────────────▶ reconnect_required
                                                                       finish_generation
                                                                                    ▼
                                                                                complete

A paid order whose brand token can no longer be refreshed waits in ``reconnect_required``; the
customer connects again (no new payment) and generation resumes.

Every status change of a stored session goes through ``apply`` inside an atomic change of it
(``shared.orders.sessions.update``, a write conditional on the copy read; completing an order, a
transaction that reads its cars too); an action the machine does not allow is a 409 that names
the current status.
"""

from __future__ import annotations

from enum import StrEnum

from shared.platform import errors


class SessionStatus(StrEnum):
    CONNECTED = "connected"
    VEHICLES_SELECTED = "vehicles_selected"
    PAID = "paid"
    GENERATING = "generating"
    COMPLETE = "complete"
    RECONNECT_REQUIRED = "reconnect_required"


S = SessionStatus
# action → (statuses it is allowed in, status it leads to; None keeps the status)
RULES: dict[str, tuple[frozenset[SessionStatus], SessionStatus | None]] = {
    "view_vehicles": (frozenset({S.CONNECTED, S.VEHICLES_SELECTED}), None),
    "select": (frozenset({S.CONNECTED, S.VEHICLES_SELECTED}), S.VEHICLES_SELECTED),
    "quote": (frozenset({S.VEHICLES_SELECTED}), None),
    "pay": (frozenset({S.VEHICLES_SELECTED}), S.PAID),
    "start_generation": (frozenset({S.PAID, S.GENERATING}), S.GENERATING),
    "finish_generation": (frozenset({S.GENERATING}), S.COMPLETE),
    "need_reconnect": (frozenset({S.PAID, S.GENERATING}), S.RECONNECT_REQUIRED),
    "resume_generation": (frozenset({S.RECONNECT_REQUIRED}), S.GENERATING),
    "reconnect": (frozenset(set(S) - {S.COMPLETE}), None),
    "read_reports": (frozenset({S.PAID, S.GENERATING, S.RECONNECT_REQUIRED, S.COMPLETE}), None),
}

_REFUSALS = {
    "view_vehicles": "The vehicle list is only available before payment.",
    "select": "The selection can no longer change: the order is paid.",
    "quote": "Select vehicles and a package first.",
    "pay": "This order cannot be paid in its current state.",
    "start_generation": "Reports can only be generated for a paid order.",
    "finish_generation": "Reports are not being generated for this order.",
    "need_reconnect": "Only a paid order can wait for a reconnect.",
    "resume_generation": "Only an order waiting for a reconnect can resume.",
    "read_reports": "There are no reports before the order is paid.",
    "reconnect": "This order is complete; there is nothing to reconnect.",
}


def apply(action: str, current: SessionStatus) -> SessionStatus:
    """The status after ``action``; raises Conflict (409 with the current status) if refused."""
    allowed, target = RULES[action]
    if current not in allowed:
        raise errors.Conflict(_REFUSALS[action], current_status=current.value)
    return target or current
