"""Every ``reason`` the OAuth callback can hand the web app has a page saying what happened and
what to do. The reasons are read from the code that sends them, so a new one fails this test
until the web app (wui/messages.js) explains it."""

from __future__ import annotations

import ast
import inspect
import re

from shared.connect import flow, oauth_states
from tests.browser.conftest import Journey

GENERIC_TITLE = "The connection did not work"  # wui/messages.js UNKNOWN_REASON


def callback_reasons() -> set[str]:
    """The reason codes ``flow.finish`` can produce: every ``_failed(NAME)`` in flow.py, the
    states ``oauth_states`` rejects with, and the callback's own ``INVALID_STATE``."""
    reasons = {flow.INVALID_STATE}
    for node in ast.walk(ast.parse(inspect.getsource(flow))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_failed":
            argument = node.args[0]
            if isinstance(argument, ast.Name):
                reasons.add(getattr(flow, argument.id))
            elif isinstance(argument, ast.IfExp):
                reasons.update(getattr(flow, side.id) for side in (argument.body, argument.orelse))
    reasons.update(re.findall(r'StateRejected\("(\w+)"\)', inspect.getsource(oauth_states)))
    return reasons


def test_the_reasons_are_found_in_the_code():
    found = callback_reasons()
    assert {"no_vehicles", "access_denied", "expired_state", "account_mismatch"} <= found
    assert len(found) >= 8, found


def test_every_callback_reason_has_its_own_page(journey: Journey):
    page = journey.page
    for reason in sorted(callback_reasons()):
        page.goto(f"{journey.wui}/?oauth=error&reason={reason}")
        alert = page.locator(f"[role=alert][data-reason={reason}]")
        alert.wait_for()
        title = page.locator("h1").inner_text()
        assert title != GENERIC_TITLE, f"no page for {reason}"
        text = alert.inner_text()
        assert "What happened:" in text and "What to do:" in text, reason
        assert page.get_by_role("button", name=re.compile("Connect again|Reconnect")).is_visible()
        assert "reason=" not in page.url  # the hand-over is taken out of the address bar
        journey.shot(reason)
    page.goto(f"{journey.wui}/?oauth=error&reason=something_new")
    assert page.locator("h1").inner_text() == GENERIC_TITLE
    journey.assert_clean()
