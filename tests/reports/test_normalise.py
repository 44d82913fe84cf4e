"""Raw Tesla modules of every demo car → VehicleReport: packages, units, outcomes, history."""

from __future__ import annotations

import copy
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from shared.reports.model import ALL_MODULES, PACKAGE_MODULES, ModuleOutcome, ReportStatus
from shared.reports.normalise import (
    ModuleResult,
    build_report,
    mask_vin,
    split_charging_history,
)
from tests.reports.conftest import GENERATED_AT, CarInput, DemoData

_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
PRO_ONLY = (
    "charging_history",
    "recent_alerts",
    "service_data",
    "warranty",
    "release_notes",
    "options",
)


def _build(car: CarInput, package: str = "pro", language: str = "en", **overrides: Any):
    return build_report(
        vehicle=car.vehicle,
        package=package,
        modules=car.modules(**overrides),
        language=language,
        generated_at=GENERATED_AT,
    )


def _with_gui(car: CarInput, **gui: Any) -> ModuleResult:
    body = copy.deepcopy(car.bodies["vehicle_data"])
    body["response"]["gui_settings"].update(gui)
    return ModuleResult.ok(body)


# --- packages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("package", ["basic", "pro", "expert"])
def test_every_demo_car_builds_a_complete_report_for_each_package(
    demo: DemoData, package: str
) -> None:
    assert len(demo.cars) == 17
    for car in demo.cars:
        report = _build(car, package)
        assert report.status == ReportStatus.COMPLETE, (car.vin, report.modules)
        assert report.package == package
        outcomes = {status.module: status.outcome for status in report.modules}
        assert list(outcomes) == list(ALL_MODULES)
        for module in ALL_MODULES:
            expected = (
                ModuleOutcome.OK if module in PACKAGE_MODULES[package] else ModuleOutcome.MISSING
            )
            assert outcomes[module] == expected, (car.vin, module)
        # identity decoded the way §8 says: model from car_type, year from VIN position 10
        config = car.bodies["vehicle_data"]["response"]["vehicle_config"]
        assert report.identity.model == f"Model {car.vin[3]}"
        assert config["car_type"] == report.identity.car_type
        assert report.identity.model_year == 2010 + _YEAR_CODES.index(car.vin[9])
        assert report.identity.display_name == car.vehicle["display_name"]
        assert report.identity.drivetrain in ("AWD", "RWD")
        assert report.battery is not None and report.battery.battery_level_pct is not None
        assert report.odometer is not None and report.software is not None
        assert report.tyres is not None and len(report.tyres.tyres) == 4

        pro_sections = (
            report.charging_history,
            report.recent_alerts,
            report.service,
            report.warranty,
            report.release_notes,
            report.options,
        )
        if package == "basic":
            assert all(section is None for section in pro_sections)
        else:
            assert all(section is not None for section in pro_sections)
        assert (report.specs is not None) == (package == "expert")
        # Every package gets a health figure with its band: the pack reference table knows the
        # capacity when new; Expert's specs only refine it.
        health = report.battery.health
        assert health is not None and health.health_pct is not None, car.vehicle["display_name"]
        assert health.health_low_pct is not None and health.health_high_pct is not None
        assert health.health_low_pct <= health.health_pct <= health.health_high_pct
        assert len(health.estimates) == 2 and health.verdict is not None
        expected_origin = "vehicle_specs" if package == "expert" else "reference_table"
        assert health.reference_origin == expected_origin


def test_a_report_holds_only_the_packages_data_even_if_more_was_fetched(demo: DemoData) -> None:
    report = _build(demo.car("JT3"), "basic")
    assert report.options is None and report.identity.trim == "Long Range AWD"  # from badging
    pro = _build(demo.car("JT3"), "pro")
    assert pro.identity.trim == "Premium Long Range All-Wheel Drive"  # from the $MT option
    assert pro.configuration is not None
    assert pro.configuration.exterior_color == "Deep Blue Metallic"


def test_expert_specs_and_battery_health(demo: DemoData) -> None:
    report = _build(demo.car("Family 3"), "expert")
    assert report.specs is not None
    assert report.specs.battery_chemistry == "LFP"
    assert report.specs.usable_capacity_kwh == 59.0
    assert report.specs.range_wltp is not None and report.specs.range_wltp.unit == "km"
    health = report.battery.health if report.battery else None
    assert health is not None and health.reference_capacity_kwh == 59.0
    assert health.health_pct is not None and 80 < health.health_pct <= 100


def test_every_vin_is_masked_and_the_full_vin_never_appears(demo: DemoData) -> None:
    for car in demo.cars:
        report = _build(car, "expert")
        assert report.identity.vin_masked == car.vin[:-4] + "****"
        assert car.vin not in report.model_dump_json()
    assert mask_vin("abc") == "****" and mask_vin(None) == "****"


# --- units ---------------------------------------------------------------------------------------


def test_units_follow_gui_settings_metric_and_imperial(demo: DemoData) -> None:
    car = demo.car("Family 3")
    raw = car.bodies["vehicle_data"]["response"]
    metric = _build(
        car,
        vehicle_data=_with_gui(
            car,
            gui_distance_units="km/hr",
            gui_temperature_units="C",
            gui_tirepressure_units="Bar",
        ),
    )
    imperial = _build(
        car,
        vehicle_data=_with_gui(
            car,
            gui_distance_units="mi/hr",
            gui_temperature_units="F",
            gui_tirepressure_units="Psi",
        ),
    )
    assert (metric.region_context.distance_unit, metric.region_context.temperature_unit) == (
        "km",
        "C",
    )
    assert (imperial.region_context.distance_unit, imperial.region_context.pressure_unit) == (
        "mi",
        "psi",
    )
    assert metric.region_context.units_source == "gui_settings"

    miles = raw["vehicle_state"]["odometer"]
    assert metric.odometer is not None and imperial.odometer is not None
    assert metric.odometer.unit == "km" and imperial.odometer.unit == "mi"
    assert metric.odometer.value == round(miles * 1.609344)
    assert imperial.odometer.value == round(miles)

    assert metric.battery and imperial.battery
    assert metric.battery.rated_range and imperial.battery.rated_range
    assert imperial.battery.rated_range.value == round(raw["charge_state"]["battery_range"])

    inside_c = raw["climate_state"]["inside_temp"]
    assert metric.climate and imperial.climate
    assert metric.climate.inside_temp is not None and imperial.climate.inside_temp is not None
    assert metric.climate.inside_temp.value == pytest.approx(inside_c, abs=0.05)
    assert imperial.climate.inside_temp.unit == "F"
    assert imperial.climate.inside_temp.value == pytest.approx(inside_c * 9 / 5 + 32, abs=0.05)

    bar = raw["vehicle_state"]["tpms_pressure_fl"]
    assert metric.tyres and imperial.tyres
    front_left_metric = metric.tyres.tyres[0].pressure
    front_left_imperial = imperial.tyres.tyres[0].pressure
    assert front_left_metric and front_left_metric.unit == "bar"
    assert front_left_metric.value == pytest.approx(bar, abs=0.005)
    assert front_left_imperial and front_left_imperial.unit == "psi"
    assert front_left_imperial.value == pytest.approx(bar * 14.5037738, abs=0.05)

    # Warranty limits come in KM from Tesla EU; an imperial reader sees miles.
    assert metric.warranty and imperial.warranty
    km_limit = metric.warranty.coverages[0].expiration_distance
    mi_limit = imperial.warranty.coverages[0].expiration_distance
    assert km_limit and mi_limit and mi_limit.unit == "mi"
    assert mi_limit.value == round(km_limit.value / 1.609344)


def test_na_account_reads_in_miles_and_usd(demo: DemoData) -> None:
    report = _build(demo.car("Blue Yonder"))
    context = report.region_context
    assert (context.distance_unit, context.temperature_unit, context.pressure_unit) == (
        "mi",
        "F",
        "psi",
    )
    assert context.currency == "USD" and context.locale == "en_US"


def test_without_gui_settings_units_follow_the_market(demo: DemoData) -> None:
    car = demo.car("Family 3")
    body = copy.deepcopy(car.bodies["vehicle_data"])
    del body["response"]["gui_settings"]
    report = _build(car, vehicle_data=ModuleResult.ok(body))
    assert report.region_context.units_source == "region_default"
    assert report.region_context.distance_unit == "km"  # an EU car (CCS port)
    assert report.module("vehicle_data").missing_sections == ["gui_settings"]


def test_language_resolution_and_locales(demo: DemoData) -> None:
    car = demo.car("Family 3")
    assert _build(car, language="no").region_context.locale == "nb_NO"
    assert _build(car, language="nb-NO").language == "no"
    fallback = _build(car, language="xx")
    assert fallback.language == "en" and fallback.region_context.requested_language == "xx"
    assert _build(car, language="fi").region_context.locale == "fi_FI"


# --- partial and failed modules ------------------------------------------------------------------


def test_partial_report_explains_each_missing_module(demo: DemoData) -> None:
    car = demo.car("Family Y")
    modules = car.modules(
        charging_history=ModuleResult.unavailable("Tesla answered 503."),
        recent_alerts=ModuleResult.ok(
            {"response": None, "error": "vehicle unavailable: vehicle is offline or asleep"}
        ),
        warranty=ModuleResult.ok({}),
    )
    del modules["options"]
    report = build_report(
        vehicle=car.vehicle,
        package="pro",
        modules=modules,
        language="en",
        generated_at=GENERATED_AT,
    )
    assert report.status == ReportStatus.PARTIAL
    status = {entry.module: entry for entry in report.modules}
    assert status["charging_history"].outcome == ModuleOutcome.UNAVAILABLE
    assert status["charging_history"].reason == "Tesla answered 503."
    assert status["recent_alerts"].outcome == ModuleOutcome.FAILED
    assert "vehicle unavailable" in (status["recent_alerts"].reason or "")
    assert status["warranty"].outcome == ModuleOutcome.UNAVAILABLE
    assert status["options"].outcome == ModuleOutcome.FAILED
    assert status["options"].reason == "No result was recorded."
    assert status["vehicle_specs"].outcome == ModuleOutcome.MISSING
    assert report.charging_history is None and report.recent_alerts is None
    assert report.warranty is None and report.options is None
    assert report.battery is not None  # the rest still builds


def test_failed_vehicle_data_keeps_identity_from_the_vehicle_list(demo: DemoData) -> None:
    car = demo.car("Fleet 10")
    basic = _build(car, "basic", vehicle_data=ModuleResult.failed("Timed out waking the car."))
    assert basic.status == ReportStatus.FAILED
    assert basic.module("vehicle_data").reason == "Timed out waking the car."
    assert basic.battery is None and basic.odometer is None and basic.tyres is None
    assert basic.identity.model == "Model S" and basic.identity.model_year == 2023
    assert basic.identity.display_name == "Fleet 10"
    pro = _build(car, "pro", vehicle_data=ModuleResult.unavailable("Car asleep."))
    assert pro.status == ReportStatus.PARTIAL
    assert pro.warranty is not None
    # Without an odometer reading, the distance left on a warranty is unknown, not zero.
    assert all(coverage.distance_left is None for coverage in pro.warranty.coverages)


def test_empty_service_data_means_not_in_service_and_real_service_is_read(
    demo: DemoData,
) -> None:
    report = _build(demo.car("Family 3"))
    assert report.module("service_data").outcome == ModuleOutcome.OK
    assert report.service is not None and report.service.in_service is False
    in_service = _build(demo.car("Fleet 12"))
    assert in_service.service is not None and in_service.service.in_service is True
    assert in_service.service.visit_number and in_service.service.estimated_completion


def test_missing_drive_state_is_explained(demo: DemoData) -> None:
    car = demo.car("JT3")
    body = copy.deepcopy(car.bodies["vehicle_data"])
    body["response"].pop("drive_state", None)
    report = _build(car, vehicle_data=ModuleResult.ok(body))
    assert report.status == ReportStatus.COMPLETE
    assert report.drive is None
    assert report.module("vehicle_data").missing_sections == ["drive_state"]
    assert "drive_state" in (report.module("vehicle_data").reason or "")


def _nulled(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _nulled(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_nulled(item) for item in value]
    return None


@pytest.mark.parametrize("package", ["basic", "expert"])
def test_every_field_null_never_raises(demo: DemoData, package: str) -> None:
    car = demo.car("JT3")
    modules = {name: ModuleResult.ok(_nulled(body)) for name, body in car.bodies.items()}
    report = build_report(
        vehicle={"id": 1, "vin": car.vin, "display_name": None, "state": None},
        package=package,
        modules=modules,
        language="de",
        generated_at=GENERATED_AT,
    )
    assert report.identity.vin_masked.endswith("****")
    assert report.odometer is None


def test_odd_shapes_fail_one_module_not_the_report(demo: DemoData) -> None:
    car = demo.car("JT3")
    report = _build(
        car,
        "expert",
        recent_alerts=ModuleResult.ok({"response": {"recent_alerts": "nope"}}),
        options=ModuleResult.ok(["not", "a", "dict"]),
        vehicle_specs=ModuleResult.ok({"response": {"battery": "x", "vin": car.vin}}),
        service_data=ModuleResult.ok({"response": {}}),
    )
    assert report.status in (ReportStatus.COMPLETE, ReportStatus.PARTIAL)
    assert car.vin not in report.model_dump_json()
    assert report.battery is not None


def test_unknown_package_and_naive_time_are_refused(demo: DemoData) -> None:
    car = demo.car("JT3")
    with pytest.raises(ValueError, match="package"):
        _build(car, "gold")
    with pytest.raises(ValueError, match="timezone"):
        build_report(
            vehicle=car.vehicle,
            package="basic",
            modules=car.modules(),
            language="en",
            generated_at=GENERATED_AT.replace(tzinfo=None),
        )


# --- charging history per VIN --------------------------------------------------------------------


def _independent_totals(sessions: list[dict[str, Any]]) -> tuple[Decimal, dict[str, Decimal]]:
    energy = Decimal(0)
    cost: dict[str, Decimal] = {}
    for session in sessions:
        for fee in session["fees"]:
            if fee["feeType"] == "CHARGING":
                energy += Decimal(str(fee["usageBase"]))
            amount = Decimal(str(fee["netDue"]))
            cost[fee["currencyCode"]] = cost.get(fee["currencyCode"], Decimal(0)) + amount
    return energy, cost


@pytest.mark.parametrize("account", ["family", "fleet", "na"])
def test_account_history_is_split_per_vin(demo: DemoData, account: str) -> None:
    history = demo.account_history[account]
    split = split_charging_history(history)
    cars = demo.account(account)
    assert set(split) == {car.vin for car in cars}
    assert sum(len(rows) for rows in split.values()) == len(history)
    ids_seen: set[int] = set()
    for car in cars:
        own = split[car.vin]
        assert own and all(row["vin"] == car.vin for row in own)
        report = _build(car)
        charging = report.charging_history
        assert charging is not None
        assert charging.session_count == len(own)
        ids = {session.session_id for session in charging.sessions}
        assert ids == {row["sessionId"] for row in own}
        assert not ids & ids_seen  # no session lands in two cars' reports
        ids_seen |= {i for i in ids if i is not None}
        energy, cost = _independent_totals(own)
        assert charging.total_energy_kwh == energy
        assert {m.currency: m.amount for m in charging.total_cost} == {
            code: amount.quantize(Decimal("0.01")) for code, amount in cost.items()
        }
        assert sum(month.session_count for month in charging.monthly) == len(own)
        assert sum(month.energy_kwh for month in charging.monthly) == energy
        assert all(isinstance(money.amount, Decimal) for money in charging.total_cost)
    # the cars of a multi-car account really have different histories
    counts = Counter(tuple(sorted(row["sessionId"] for row in split[car.vin])) for car in cars)
    assert len(counts) == len(cars)


def test_history_envelopes_and_unattributed_rows(demo: DemoData) -> None:
    car = demo.car("Family 3")
    rows = demo.account_history["family"]
    reference = _build(car).charging_history
    for body in ({"response": {"data": rows}}, rows, {"data": rows, "totalResults": len(rows)}):
        built = _build(car, charging_history=ModuleResult.ok(body)).charging_history
        assert built == reference
    stray = {**rows[0], "vin": None}
    assert split_charging_history([stray, {"vin": ""}, "junk"]) == {}  # type: ignore[list-item]
    empty = _build(car, charging_history=ModuleResult.ok({"data": []})).charging_history
    assert empty is not None and empty.session_count == 0 and empty.total_cost == []


def test_free_supercharging_and_idle_fees(demo: DemoData) -> None:
    charging = _build(demo.car("Fleet 11")).charging_history
    assert charging is not None
    assert charging.free_session_count == charging.session_count == 48
    assert charging.average_price_per_kwh == []  # nothing was paid for energy
    assert all(session.free for session in charging.sessions)
    assert any(fee.amount > 0 for fee in charging.idle_fees)  # idle fees still apply


def test_sessions_newest_first_and_times_in_site_local_time(demo: DemoData) -> None:
    charging = _build(demo.car("JT3")).charging_history
    assert charging is not None
    starts = [session.started_at for session in charging.sessions if session.started_at]
    assert starts == sorted(starts, reverse=True)
    assert all(start.utcoffset() is not None for start in starts)
    assert [month.month for month in charging.monthly] == sorted(
        month.month for month in charging.monthly
    )


def test_pro_modules_are_the_roadmap_six() -> None:
    assert PACKAGE_MODULES["pro"] == ("vehicle_data", *PRO_ONLY)
    assert PACKAGE_MODULES["expert"] == ("vehicle_data", *PRO_ONLY, "vehicle_specs")
