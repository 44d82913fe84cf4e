"""The state machine as pure data."""

from __future__ import annotations

import pytest

from shared.orders.order_state import RULES, SessionStatus, apply
from shared.platform import errors

S = SessionStatus


@pytest.mark.parametrize(
    ("action", "current", "expected"),
    [
        ("select", S.CONNECTED, S.VEHICLES_SELECTED),
        ("select", S.VEHICLES_SELECTED, S.VEHICLES_SELECTED),
        ("quote", S.VEHICLES_SELECTED, S.VEHICLES_SELECTED),
        ("pay", S.VEHICLES_SELECTED, S.PAID),
        ("start_generation", S.PAID, S.GENERATING),
        ("finish_generation", S.GENERATING, S.COMPLETE),
        ("view_vehicles", S.CONNECTED, S.CONNECTED),
        ("reconnect", S.PAID, S.PAID),
    ],
)
def test_allowed_transitions(action, current, expected):
    assert apply(action, current) == expected


@pytest.mark.parametrize("action", sorted(RULES))
@pytest.mark.parametrize("current", list(S))
def test_every_refusal_is_409_naming_the_current_status(action, current):
    allowed, _ = RULES[action]
    if current in allowed:
        return
    with pytest.raises(errors.Conflict) as refused:
        apply(action, current)
    assert refused.value.status == 409
    assert refused.value.body()["error"]["status"] == current.value


def test_nothing_leaves_complete_and_nothing_goes_back_to_connected():
    for action, (allowed, target) in RULES.items():
        if target is not None:
            assert target != S.CONNECTED, action
        if S.COMPLETE in allowed:
            assert target in (None, S.COMPLETE), action
