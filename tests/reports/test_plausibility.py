"""Derived figures never reach the report outside the physical bounds of the car's model.

Property tests over random raw values (hypothesis): whatever the car reports, every figure the
report derives (consumption, capacity now, range at 100 %, health, charger power, price per kWh)
is either inside its model's bounds (shared/reports/plausibility.py, docs/report-figures.md) or
withheld as "inconsistent" with its inputs named.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.reports import plausibility
from shared.reports.model import Inconsistency, VehicleReport
from shared.reports.normalise import KM_PER_MILE, ModuleResult, build_report
from shared.reports.pdf import OrderSummary, render_html

GENERATED_AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
VIN = "5YJ3E7EB2NF000001"
CAR_TYPES = {"model3": "Model 3", "modely": "Model Y", "models": "Model S", "modelx": "Model X"}
CAR_TYPES["cybertruck"] = "Cybertruck"

# Raw values as a car might send them: sensible, absurd, zero, negative, huge.
_anything = st.one_of(
    st.none(),
    st.floats(min_value=-1e6, max_value=1e7, allow_nan=False),
    st.floats(min_value=0, max_value=500),
)


def _report(
    *,
    car_type: str = "model3",
    distance: str = "km/hr",
    charge: dict[str, Any] | None = None,
    odometer_miles: float | None = None,
    specs_capacity: float | None = None,
    sessions: list[dict[str, Any]] | None = None,
    package: str = "expert",
) -> VehicleReport:
    vehicle_data = {
        "vin": VIN,
        "charge_state": charge or {},
        "vehicle_state": {"odometer": odometer_miles},
        "vehicle_config": {"car_type": car_type},
        "gui_settings": {"gui_distance_units": distance, "gui_24_hour_time": False},
    }
    modules = {
        "vehicle_data": ModuleResult.ok({"response": vehicle_data}),
        "charging_history": ModuleResult.ok({"data": sessions or []}),
        "vehicle_specs": ModuleResult.ok(
            {"response": {"battery": {"usable_capacity_kwh": specs_capacity}}}
        ),
    }
    return build_report(
        vehicle={"vin": VIN, "display_name": "Test car"},
        package=package,
        modules=modules,
        language="en",
        generated_at=GENERATED_AT,
    )


def _figures_in_bounds(report: VehicleReport, model: str) -> None:
    bounds = plausibility.bounds_for(model)
    battery = report.battery
    assert battery is not None
    per_km = KM_PER_MILE if report.region_context.distance_unit == "mi" else 1.0
    withheld = {problem.figure for problem in battery.inconsistent}
    if battery.lifetime_consumption is not None:
        assert bounds.consumption.scaled(per_km, "").holds(battery.lifetime_consumption.value)
        assert "consumption" not in withheld
    if battery.charger_power_kw is not None:
        assert bounds.charger_power.holds(battery.charger_power_kw)
    health = battery.health
    if health is not None:
        if health.estimated_usable_capacity_kwh is not None:
            assert bounds.usable_capacity.holds(health.estimated_usable_capacity_kwh)
        if health.health_pct is not None:
            assert bounds.health.holds(health.health_pct)
            assert health.health_low_pct is not None and health.health_high_pct is not None
            assert bounds.health.low <= health.health_low_pct <= health.health_pct
            assert health.health_pct <= health.health_high_pct <= bounds.health.high
        for estimate in health.estimates:
            assert bounds.health.holds(estimate.health_pct)
        if health.full_charge_range is not None:
            limits = bounds.full_charge_range.scaled(1 / per_km, "")
            assert limits.holds(health.full_charge_range.value)
    for problem in battery.inconsistent:
        assert not (problem.low <= problem.value <= problem.high) or problem.value in (
            problem.low,
            problem.high,
        )
        assert problem.inputs, problem  # a withheld figure always names what it came from


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    car_type=st.sampled_from(sorted(CAR_TYPES)),
    distance=st.sampled_from(["km/hr", "mi/hr"]),
    lifetime=_anything,
    odometer=_anything,
    energy_remaining=_anything,
    level=st.one_of(st.none(), st.integers(min_value=-5, max_value=120)),
    range_miles=_anything,
    power=_anything,
    reference=_anything,
)
def test_no_derived_battery_figure_outside_its_bounds_reaches_the_report(
    car_type: str,
    distance: str,
    lifetime: float | None,
    odometer: float | None,
    energy_remaining: float | None,
    level: int | None,
    range_miles: float | None,
    power: float | None,
    reference: float | None,
) -> None:
    report = _report(
        car_type=car_type,
        distance=distance,
        charge={
            "battery_level": level,
            "usable_battery_level": level,
            "energy_remaining": energy_remaining,
            "lifetime_energy_used": lifetime,
            "battery_range": range_miles,
            "charger_power": power,
        },
        odometer_miles=odometer,
        specs_capacity=reference,
    )
    _figures_in_bounds(report, CAR_TYPES[car_type])


def _session(currency: str, fee: str, kwh: str) -> dict[str, Any]:
    return {
        "vin": VIN,
        "sessionId": 1,
        "chargeStartDateTime": "2026-10-01T10:00:00+02:00",
        "chargeStopDateTime": "2026-10-01T10:30:00+02:00",
        "fees": [
            {
                "feeType": "CHARGING",
                "currencyCode": currency,
                "pricingType": "PAYMENT",
                "netDue": fee,
                "usageBase": kwh,
                "uom": "kwh",
            }
        ],
    }


@settings(max_examples=150, deadline=None)
@given(
    currency=st.sampled_from(sorted(plausibility.PRICE_PER_KWH)),
    fee=st.decimals(min_value=0, max_value=100_000, places=2),
    kwh=st.decimals(min_value=Decimal("0.001"), max_value=2000, places=3),
)
def test_no_average_price_outside_its_bounds_reaches_the_report(
    currency: str, fee: Decimal, kwh: Decimal
) -> None:
    report = _report(sessions=[_session(currency, str(fee), str(kwh))], package="pro")
    history = report.charging_history
    assert history is not None
    bounds = plausibility.PRICE_PER_KWH[currency]
    for money in history.average_price_per_kwh:
        assert bounds.holds(float(money.amount))
    for problem in history.inconsistent:
        assert problem.figure == "price_per_kwh"
        assert set(problem.inputs) == {"charging_fees", "energy_charged"}


def test_the_inconsistent_lifetime_energy_case_shows_consumption_as_not_available() -> None:
    # The real payload of issue 19: a Model 3 with 10,430 km and 20,506 kWh "used".
    report = _report(
        charge={"lifetime_energy_used": 20506.0, "battery_level": 80, "usable_battery_level": 80},
        odometer_miles=10430 / KM_PER_MILE,
    )
    battery = report.battery
    assert battery is not None and battery.lifetime_consumption is None
    [problem] = battery.inconsistent
    assert problem == Inconsistency(
        figure="consumption",
        value=1966.0,
        unit="Wh/km",
        low=90.0,
        high=350.0,
        inputs={
            "lifetime_energy": {"value": 20506.0, "unit": "kWh"},  # type: ignore[dict-item]
            "odometer": {"value": 10430.0, "unit": "km"},  # type: ignore[dict-item]
        },
    )
    order = OrderSummary(
        order_id="CPT-1", package="expert", ordered_at=GENERATED_AT, vehicle_count=1
    )
    html = render_html(report, order=order, language="en")
    assert "1 966" not in html and "1,966\u00a0Wh/km" in html  # only inside the explanation
    assert "Not available — the car&#39;s data is inconsistent" in html
    assert "Energy used, lifetime 20,506" in html and "Odometer 10,430\u00a0km" in html


def test_a_plausible_consumption_is_shown_as_before() -> None:
    report = _report(charge={"lifetime_energy_used": 1500.0}, odometer_miles=10430 / KM_PER_MILE)
    assert report.battery is not None
    assert report.battery.lifetime_consumption is not None
    assert report.battery.lifetime_consumption.value == 144.0
    assert report.battery.inconsistent == []


@pytest.mark.parametrize("model", [*plausibility.MODEL_BOUNDS, None, "Roadster"])
def test_every_model_has_ordered_bounds(model: str | None) -> None:
    bounds = plausibility.bounds_for(model)
    for limits in (
        bounds.consumption,
        bounds.usable_capacity,
        bounds.full_charge_range,
        bounds.health,
        bounds.charger_power,
    ):
        assert 0 <= limits.low < limits.high
    assert not bounds.health.holds(float("nan"))
