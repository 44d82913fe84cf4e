"""Real, published Tesla ``vehicle_data`` responses (tests/reports/fixtures/real, provenance in
its PROVENANCE.md) build and render for every package, keep every value they carry, and show
the units the car shows.

Only ``vehicle_data`` has public samples in numbers; the other modules of Pro and Expert are
given as unavailable ("no published sample"), so those reports are partial by design and the
test is about vehicle_data's reading. One language per fixture and package (rotating through
all nine) keeps the 24 renders well under a minute.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from shared.product.catalog import PACKAGE_MODULES, Package
from shared.product.languages import SUPPORTED_LANGUAGES
from shared.reports.model import VehicleReport
from shared.reports.normalise import KM_PER_MILE, PSI_PER_BAR, ModuleResult, build_report
from shared.reports.pdf import OrderSummary, render_pdf

FIXTURES = Path(__file__).parent / "fixtures" / "real"
NAMES = sorted(path.stem for path in FIXTURES.glob("*.json"))
PACKAGES = ["basic", "pro", "expert"]
GENERATED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TYRES = {"front_left": "fl", "front_right": "fr", "rear_left": "rl", "rear_right": "rr"}


@cache
def _payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded


def _body(name: str) -> dict[str, Any]:
    """The vehicle_data body without Tesla's envelope (some samples have one, some don't)."""
    payload = _payload(name)
    inner = payload.get("response", payload)
    assert isinstance(inner, dict)
    return inner


def _vehicle(name: str) -> dict[str, Any]:
    """The car's item of GET /api/1/vehicles, as the sample's own top-level fields give it."""
    body = _body(name)
    keys = ("id", "id_s", "vehicle_id", "vin", "display_name", "state", "access_type")
    return {key: body[key] for key in keys if key in body}


def _build(name: str, package: str, language: str = "en") -> VehicleReport:
    modules = {
        str(module): ModuleResult.unavailable("no published sample of this endpoint")
        for module in PACKAGE_MODULES[Package(package)]
    }
    modules["vehicle_data"] = ModuleResult.ok(_payload(name))
    return build_report(
        vehicle=_vehicle(name),
        package=package,
        modules=modules,
        language=language,
        generated_at=GENERATED_AT,
    )


def test_at_least_eight_samples_from_three_sources() -> None:
    provenance = (FIXTURES / "PROVENANCE.md").read_text()
    assert len(NAMES) >= 8
    assert all(f"`{name}.json`" in provenance for name in NAMES)
    sources = {name.split("_")[0] for name in NAMES}
    assert len(sources) >= 3, sources


@pytest.mark.parametrize("name", NAMES)
def test_every_value_the_payload_carries_is_in_the_report(name: str) -> None:
    body = _body(name)
    charge, state = body["charge_state"], body["vehicle_state"]
    gui = body.get("gui_settings", {})
    report = _build(name, "basic")
    region = report.region_context

    km = str(gui.get("gui_distance_units", "")).lower().startswith("km")
    assert region.distance_unit == ("km" if km else "mi")
    assert region.units_source == (
        "gui_settings" if gui.get("gui_distance_units") else "region_default"
    )
    if gui.get("gui_temperature_units") in ("C", "F"):
        assert region.temperature_unit == gui["gui_temperature_units"]

    battery = report.battery
    assert battery is not None
    assert battery.battery_level_pct == charge["battery_level"]
    assert battery.usable_battery_level_pct == charge.get("usable_battery_level")
    # Ranges come in miles whatever the car shows; the report converts to the car's unit.
    factor = KM_PER_MILE if km else 1.0
    assert battery.rated_range is not None
    assert battery.rated_range.unit == region.distance_unit
    assert battery.rated_range.value == pytest.approx(charge["battery_range"] * factor, abs=0.5)
    assert report.odometer is not None
    assert report.odometer.value == pytest.approx(state["odometer"] * factor, abs=1)

    assert report.software is not None and report.software.version is not None
    assert state["car_version"].startswith(report.software.version)
    _assert_tyres(report, state, gui)


def _assert_tyres(report: VehicleReport, state: dict[str, Any], gui: dict[str, Any]) -> None:
    carried = {position: state.get(f"tpms_pressure_{suffix}") for position, suffix in TYRES.items()}
    carried = {position: bar for position, bar in carried.items() if isinstance(bar, int | float)}
    if not carried:
        return
    assert report.tyres is not None
    shown = {tyre.position: tyre.pressure for tyre in report.tyres.tyres}
    unit = str(gui.get("gui_tirepressure_units", "")).lower()
    for position, bar in carried.items():
        pressure = shown[position]  # type: ignore[index]
        assert pressure is not None, position
        if unit == "psi":
            assert pressure.unit == "psi"
            assert pressure.value == pytest.approx(bar * PSI_PER_BAR, abs=0.1)
        elif unit == "bar":
            assert pressure.unit == "bar" and pressure.value == pytest.approx(bar, abs=0.01)


@pytest.mark.parametrize("package", PACKAGES)
@pytest.mark.parametrize("name", NAMES)
def test_builds_and_renders_for_every_package(name: str, package: str) -> None:
    language = SUPPORTED_LANGUAGES[(NAMES.index(name) * 3 + PACKAGES.index(package)) % 9]
    report = _build(name, package, language)
    assert report.package == package
    # Round trip through JSON: what the worker stores and the re-render endpoint reads back.
    stored = VehicleReport.model_validate_json(report.model_dump_json())
    pdf = render_pdf(
        stored,
        order=OrderSummary(
            order_id="CPT-2026-000123",
            package=Package(package),
            ordered_at=GENERATED_AT,
            vehicle_count=1,
        ),
        language=language,
    )
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert pdf.startswith(b"%PDF") and len(pages) >= 1
    text = "".join(page.extract_text() for page in pages)
    assert report.identity.vin_masked in text


def _stringified(value: Any) -> Any:
    """Synthetic, from a real sample: every boolean and number sent as text, as some relays do."""
    if isinstance(value, dict):
        return {key: _stringified(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stringified(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def test_envelope_strings_for_booleans_and_numbers_and_huge_ids_read_the_same() -> None:
    name = "ha_tesla_fleet_vehicle_data"
    plain = _build(name, "basic")
    body = _body(name)
    variants = [
        body,  # without the envelope
        {"response": _stringified(body)},
        {"response": {**body, "id": 2**60 + 1, "vehicle_id": 2**53 + 1}},
    ]
    for variant in variants:
        modules = {"vehicle_data": ModuleResult.ok(variant)}
        report = build_report(
            vehicle={"id": 2**60 + 1, "vin": body["vin"], "state": "online"},
            package="basic",
            modules=modules,
            language="en",
            generated_at=GENERATED_AT,
        )
        assert report.battery == plain.battery
        assert report.tyres == plain.tyres
        assert report.security == plain.security
        assert report.odometer == plain.odometer
        assert report.region_context == plain.region_context


def test_invalid_placeholders_in_number_fields_are_absent_not_zero() -> None:
    body = json.loads(json.dumps(_body("ha_tesla_fleet_vehicle_data")))
    body["charge_state"].update(battery_range="<invalid>", energy_remaining="NaN")
    body["vehicle_state"]["tpms_pressure_fl"] = "<invalid>"
    report = build_report(
        vehicle={"vin": body["vin"]},
        package="basic",
        modules={"vehicle_data": ModuleResult.ok(body)},
        language="en",
        generated_at=GENERATED_AT,
    )
    assert report.battery is not None
    assert report.battery.rated_range is None and report.battery.energy_remaining_kwh is None
    assert report.battery.battery_level_pct == body["charge_state"]["battery_level"]
    assert report.tyres is not None
    front_left = next(t for t in report.tyres.tyres if t.position == "front_left")
    assert front_left.pressure is None


def test_the_simulator_sends_every_field_of_the_real_samples_that_the_report_reads() -> None:
    import re

    from simulators.tesla_fleet.config import SimulatorConfig
    from simulators.tesla_fleet.state import SimulatorState
    from simulators.tesla_fleet.vehicle_data import ALL_SECTIONS, build_sections

    source = (Path(__file__).parents[2] / "shared" / "reports" / "normalise.py").read_text()
    read = set(re.findall(r'\.get\("([a-z0-9_]+)"\)', source))
    state = SimulatorState(SimulatorConfig())
    car = next(v for account in state.accounts.values() for v in account.vehicles)
    simulated = build_sections(
        car, set(ALL_SECTIONS), now=0.0, include_location=False, include_drive_state=True
    )
    for name in NAMES:
        body = _body(name)
        for section in ("charge_state", "climate_state", "gui_settings", "vehicle_state"):
            missing = (set(body.get(section, {})) & read) - set(simulated[section])
            assert not missing, (name, section, missing)
