"""Whatever numbers a payload carries, the report builds and renders; an impossible value reads
"not available" and is named with what was possible (issue #19: ``_Units.distance_from_miles``
and the rated range once raised on 1e300)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.reports.model import Quantity, VehicleReport
from shared.reports.normalise import _RAW_LIMITS, ModuleResult, build_report, screen_vehicle_data
from shared.reports.pdf import render_html
from tests.reports.test_layout import _order

GENERATED_AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
VIN = "LRW3E7EK1RC412733"

_raw = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.sampled_from(["<invalid>", "", " ", "1e999", "-0", "NaN", "12.5", "bad value"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_FIELDS = [(section, key) for section, limits in _RAW_LIMITS.items() for key in limits]
_FIELDS += [("vehicle_state", "timestamp"), ("charge_state", "timestamp")]
_FIELDS += [("vehicle_state", f"tpms_last_seen_pressure_time_{corner}") for corner in ("fl", "rr")]


@st.composite
def _payloads(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {
        "vin": VIN,
        "vehicle_config": {
            "car_type": draw(st.sampled_from(["model3", "modely", "models", None, 7])),
            "trim_badging": draw(st.sampled_from(["74d", "50", "p100d", "", None, 1e300])),
            "eu_vehicle": draw(_raw),
            "charge_port_type": draw(st.sampled_from(["CCS", "US", "GB", None, 3])),
        },
        "gui_settings": {
            "gui_distance_units": draw(st.sampled_from(["km/hr", "mi/hr", None, 1e300])),
            "gui_temperature_units": draw(st.sampled_from(["C", "F", None])),
            "gui_tirepressure_units": draw(st.sampled_from(["Psi", "Bar", "kPa", None])),
        },
    }
    for section, key in draw(st.lists(st.sampled_from(_FIELDS), min_size=1, max_size=25)):
        body.setdefault(section, {})[key] = draw(_raw)
    return body


def _quantities(value: Any) -> list[Quantity]:
    if isinstance(value, Quantity):
        return [value]
    if isinstance(value, dict):
        return [q for item in value.values() for q in _quantities(item)]
    if isinstance(value, list | tuple):
        return [q for item in value for q in _quantities(item)]
    if hasattr(value, "__pydantic_fields__"):
        return [q for name in type(value).model_fields for q in _quantities(getattr(value, name))]
    return []


def _build(body: dict[str, Any], package: str, language: str = "en") -> VehicleReport:
    return build_report(
        vehicle={"vin": VIN, "id": 10**30},
        package=package,
        modules={"vehicle_data": ModuleResult.ok({"response": body})},
        language=language,
        generated_at=GENERATED_AT,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_payloads(), package=st.sampled_from(["basic", "pro", "expert"]))
def test_any_payload_values_build_and_render_and_impossible_ones_are_named(
    body: dict[str, Any], package: str
) -> None:
    report = _build(body, package)
    render_html(report, order=_order(package), language="fi")  # formatting never raises either
    for quantity in _quantities(report):
        assert math.isfinite(quantity.value)
        assert abs(quantity.value) < 1e7, quantity  # nothing a car cannot show is printed
    rejected = {value.field for value in report.rejected_values}
    for section, limits in _RAW_LIMITS.items():
        for key, (low, high, _unit) in limits.items():
            sent = body.get(section, {}).get(key)
            if isinstance(sent, int | float) and not isinstance(sent, bool):
                huge = isinstance(sent, int) and abs(sent) >= 10**300
                number = math.inf if huge else float(sent)
                outside = not (math.isfinite(number) and low <= number <= high)
                assert (f"{section}.{key}" in rejected) == outside, (section, key, sent)


@pytest.mark.parametrize("odometer", [1e300, -1.0, float("inf"), float("nan"), 10**400, "1e999"])
def test_an_impossible_odometer_reads_not_available_with_its_reason(odometer: Any) -> None:
    body = {
        "vin": VIN,
        "vehicle_state": {"odometer": odometer},
        "charge_state": {"battery_range": 1e300, "usable_battery_level": 50},
    }
    report = _build(body, "basic")
    assert report.odometer is None and report.battery is not None
    assert report.battery.rated_range is None
    fields = {value.field: value for value in report.rejected_values}
    assert fields["vehicle_state.odometer"].high == 2_000_000
    assert fields["charge_state.battery_range"].unit == "mi"
    html = render_html(report, order=_order("basic"), language="en")
    assert "vehicle_state.odometer" in html and "no car can have" in html


def test_screening_keeps_ordinary_values_and_placeholders() -> None:
    sections = {
        "vehicle_state": {"odometer": 6481.02, "car_version": "2023.44.30.8"},
        "charge_state": {"battery_level": "<invalid>", "battery_range": "266.87"},
        "drive_state": None,
    }
    cleaned, rejected = screen_vehicle_data(sections)
    assert rejected == [] and cleaned == sections
