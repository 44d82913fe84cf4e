"""A voucher's last redemption, paid for by several buyers at once: exactly one gets it.

Every buyer quotes and creates an intent while one redemption is left (all pass the check at
quote time), then all pay at the same moment. Settlement counts the redemption in the commit
that marks the order paid, conditional on the counter as read, so one order is paid with the
discount and every other payment is recorded as ``voucher_limit_reached`` and refunded in full.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from shared.orders.records import IssueKind, RefundState
from shared.platform.settings import get_settings
from shared.pricing.redemptions import redemption_reference, redemptions_used
from tests.payments.conftest import PAID_OR_LATER, STRIPE_KEY, OrderDriver

TEST_VOUCHERS = Path(__file__).resolve().parents[1] / "pricing" / "data" / "test_vouchers.json"
CODE = "TEST-LIMITED-3"  # max_redemptions: 3
BUYERS = 5


@pytest.fixture
def limited_vouchers(monkeypatch):
    monkeypatch.setenv("CPT_VOUCHERS_PATH", str(TEST_VOUCHERS))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_parallel_buyers_share_no_last_redemption(order, limited_vouchers):
    redemption_reference(get_settings(), CODE).set({"count": 2})  # one redemption left
    buyers = [
        OrderDriver(order.browser, order.stripe_api).ready(voucher=CODE) for _ in range(BUYERS)
    ]
    intents = []
    for buyer in buyers:
        response = buyer.create_intent()
        assert response.status_code == 200, response.json
        assert response.json["amount_cents"] == 2249  # 25 % off 29.99
        intents.append(response.json["stripe"]["payment_intent_id"])

    with ThreadPoolExecutor(BUYERS) as pool:
        confirmed = list(
            pool.map(lambda pair: pair[0].pay_with_card(pair[1]), zip(buyers, intents, strict=True))
        )
    assert all(result["status"] == "succeeded" for result in confirmed)

    settled = [
        buyer.wait_for(lambda s: s.status.value in PAID_OR_LATER or bool(s.payment_issues), 20)
        for buyer in buyers
    ]
    paid = [s for s in settled if s.status.value in PAID_OR_LATER]
    refused = [s for s in settled if s.status.value not in PAID_OR_LATER]
    assert len(paid) == 1 and len(refused) == BUYERS - 1
    assert paid[0].quote is not None and paid[0].quote.voucher_code == CODE
    assert redemptions_used(get_settings(), CODE) == 3
    for buyer, session in zip(buyers, settled, strict=True):
        if session in refused:
            refunded = buyer.wait_for(
                lambda s: all(i.refund_state == RefundState.REFUNDED for i in s.payment_issues)
            )
            (issue,) = refunded.payment_issues
            assert issue.kind == IssueKind.VOUCHER_LIMIT and issue.amount_cents == 2249
            refunds = requests.get(
                f"{buyer.stripe_api}/v1/refunds/{issue.refund_id}", auth=STRIPE_KEY, timeout=10
            ).json()
            assert refunds["amount"] == 2249 and refunds["payment_intent"] == issue.intent_id
