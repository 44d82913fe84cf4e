"""``make status`` (dev/status.py) on the test cloud: a paid order, its cars and the Tesla cost,
and one order's story from a saved log — what the runbook tells an operator to run locally."""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dev import status
from shared.platform.logs import CloudLoggingFormatter
from shared.platform.settings import get_settings
from tests.delivery.conftest import wait_for_status
from tests.payments.conftest import PAID_OR_LATER


def _paid_by_card(order) -> str:
    order.ready()  # family: two cars, Pro
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    order.wait_for(lambda s: s.status.value in PAID_OR_LATER - {"paid"})
    return wait_for_status(order, "complete").order_id


def _keep_environment(monkeypatch) -> None:
    """main() fills in make up's defaults for what is unset: undo that after the test."""
    for name in status.local_environment():
        original = os.environ.get(name)
        monkeypatch.setenv(name, original or "")
        if original is None:
            monkeypatch.delenv(name)


def test_status_shows_the_paid_order_its_cars_and_the_tesla_cost(order, tesla, capsys, monkeypatch):
    order_id = _paid_by_card(order)
    _keep_environment(monkeypatch)

    assert status.main(["--tesla-url", tesla.url]) == 0
    # The app's JSON log lines (background report tasks) share stdout in a test: not the screen.
    screen = "\n".join(
        line for line in capsys.readouterr().out.splitlines() if not line.startswith("{")
    )
    assert order_id in screen
    line = next(line for line in screen.splitlines() if order_id in line)
    assert "complete" in line and "2 car(s)" in line and "complete 2" in line
    tesla_cost = next(line for line in screen.splitlines() if line.startswith("Tesla"))
    ledger = status.tesla_ledger(tesla.url)
    assert ledger is not None and ledger["total_cost_micro_usd"] > 0
    assert status.usd(ledger["total_cost_micro_usd"]) in tesla_cost
    assert "Funnel" in screen and "paid" in screen
    assert len(screen.splitlines()) <= 40  # one screen

    # The order's own Tesla cost, from its cars' records, is on its line and is not zero.
    collected = status.collect(tesla.url)
    (mine,) = [o for o in collected.orders if o.order_id == order_id]
    assert mine.tesla_cost_micro_usd > 0 and status.usd(mine.tesla_cost_micro_usd) in line
    assert mine.car_states == {"complete": 2}


def test_a_paid_order_left_for_30_minutes_is_listed_as_stuck(order, tesla, firestore_db):
    from tests.operations.conftest import age_order

    order.ready(account="solo", package="basic")
    intent_id = order.create_intent().json["stripe"]["payment_intent_id"]
    assert order.pay_with_card(intent_id)["status"] == "succeeded"
    session = wait_for_status(order, "complete")
    # Not complete and paid 31 minutes ago, as far as the screen can tell.
    sessions = firestore_db.collection(get_settings().sessions_collection)
    reference = sessions.document(session.session_key)
    reference.update({"status": "generating"})
    age_order(firestore_db, session.session_key, seconds=31 * 60)
    screen = status.render(status.collect(None, now=datetime.now(UTC) + timedelta(seconds=1)))
    assert "STUCK" in screen and session.order_id in screen
    reference.update({"status": "complete"})


def test_one_orders_story_from_the_saved_log(order, tesla, tmp_path: Path):
    """``make up | tee up.log``, then ``make status ORDER=ord_… LOG=up.log``."""
    log = tmp_path / "up.log"
    handler = logging.FileHandler(log)
    handler.setFormatter(CloudLoggingFormatter())
    logging.getLogger().addHandler(handler)
    try:
        order_id = _paid_by_card(order)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    story = status.log_lines(log, order_id)
    routes = {line.split()[1] for line in story}
    assert {"tesla_oauth_callback", "payment_verify", "reports_worker"} <= routes, story
    assert any("[order_complete]" in line for line in story)
    assert all(order.session_id not in line for line in log.read_text().splitlines())
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(r.get("order_id") == order_id and r.get("signal") == "order_paid" for r in records)
