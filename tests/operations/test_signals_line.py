"""The signal line itself (pure): its fields, its level, and the bounded reason of a car."""

from __future__ import annotations

import json
import logging

from shared.delivery.worker import car_outcome_reason
from shared.platform.logs import CloudLoggingFormatter
from shared.platform.signals import Signal, SignalFields, signal


def test_a_signal_is_one_json_line_with_its_fields_and_none_left_out(caplog):
    with caplog.at_level(logging.INFO, logger="cpt.signal"):
        signal(Signal.ORDER_PAID, order_id="ord_1", amount_cents=2999, method=None)
        signal(Signal.DISPUTE, order_id="ord_1", stage="opened")
    paid, dispute = caplog.records
    line = json.loads(CloudLoggingFormatter().format(paid))
    assert line["signal"] == "order_paid" and line["order_id"] == "ord_1"
    assert line["amount_cents"] == 2999 and "method" not in line
    assert line["severity"] == "INFO" and dispute.levelname == "WARNING"


def test_no_signal_field_can_carry_a_session_id_or_a_secret():
    from shared.platform.logs import _SENSITIVE_KEY

    for name in SignalFields.__annotations__:
        assert "session" not in name
        assert not _SENSITIVE_KEY.search(name), name  # it would be blanked: a useless field


def test_a_cars_reason_is_a_bounded_code():
    assert car_outcome_reason({"vehicle_data": "ok", "options": "ok"}) is None
    assert car_outcome_reason({"vehicle_data": "unavailable"}) == "car_unreachable"
    assert car_outcome_reason({"vehicle_data": "ok", "release_notes": "failed"}) == "module_failed"
    assert car_outcome_reason({"charging_history": "unavailable"}) == "module_unavailable"
