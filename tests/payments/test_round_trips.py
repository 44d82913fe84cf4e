"""Firestore round trips of create-intent, counted on the real client against the emulator.

The counter (``bench.round_trips.RpcCounter``, the bench's own) wraps the GAPIC methods of the
functions' Firestore client and passes every call through: one call is one RPC.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.round_trips import RpcCounter, counting_rpcs

COMMON_PATH_BUDGET = 3  # read the session, reserve the attempt, record the intent


@pytest.fixture
def rpcs(order) -> Iterator[RpcCounter]:
    with counting_rpcs() as counter:
        yield counter


def test_create_intent_common_path_is_at_most_three_round_trips(order, rpcs):
    """Stripe, no voucher, first click."""
    order.ready()
    with rpcs.measuring() as tally:
        response = order.create_intent("stripe")
    assert response.status_code == 200, response.json
    assert response.json["stripe"]["payment_intent_id"].startswith("pi_")
    order.browser.ledger.add(response.json["stripe"]["client_secret"])
    counted = tally()
    assert counted.total <= COMMON_PATH_BUDGET, counted.methods
    assert counted.writes == 2 and counted.other == 0, counted.methods  # no transaction

    with rpcs.measuring() as tally:  # the double click: one read, nothing written
        again = order.create_intent("stripe")
    assert again.json["stripe"]["payment_intent_id"] == response.json["stripe"]["payment_intent_id"]
    assert tally().total == 1, tally().methods


def test_quote_and_select_read_their_session_once(order, rpcs):
    order.ready()
    with rpcs.measuring() as tally:
        order.quote()  # the same quote again: nothing to write
    assert tally().methods == {"batch_get_documents": 1}
    with rpcs.measuring() as tally:
        order.select([order.cars()[0]["id"]], "basic")
    # order.cars() is a request too: one read; select: one read and one commit.
    assert tally().methods == {"batch_get_documents": 2, "commit": 1}
