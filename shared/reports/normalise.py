"""Raw Tesla responses of one car → ``VehicleReport``. Pure functions: no I/O, no clock.

This is the only place that interprets Tesla payloads (renderers never do). Every reader is
null-safe: a missing section, a ``null`` field, ``{}`` from service_data or a value of an
unexpected type becomes ``None`` and never an exception; a module whose payload cannot be read at
all is reported as ``failed`` with the reason, and the rest of the report still builds.

Tesla's raw units: distances in miles, temperatures in °C, tyre pressures in bar, whatever the
car shows; ``gui_settings`` tells what the owner reads, and the report follows it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, TypeGuard, TypeVar

from shared.cars.vehicles import mask_vin, model_name, model_year
from shared.product.catalog import PACKAGE_MODULES, Package, TeslaModule

from . import battery_health, battery_reference, plausibility
from .localisation import locale_for, resolve_language
from .model import (
    ALL_MODULES,
    Alert,
    BatteryAndCharging,
    BatteryHealth,
    ChargingHistory,
    ChargingSession,
    Climate,
    Configuration,
    CoverageState,
    Dashcam,
    DistanceUnit,
    DriveSnapshot,
    FactoryOption,
    FactoryOptions,
    HealthEstimate,
    Inconsistency,
    ModuleOutcome,
    ModuleStatus,
    Money,
    MonthlyCharging,
    PressureUnit,
    Quantity,
    RecentAlerts,
    RegionContext,
    RejectedValue,
    ReleaseNote,
    ReleaseNotes,
    ReportStatus,
    Security,
    ServiceStatus,
    Software,
    TemperatureUnit,
    TyrePosition,
    TyrePressure,
    Tyres,
    VehicleIdentity,
    VehicleReport,
    VehicleSpecs,
    Warranty,
    WarrantyCoverage,
)

__all__ = [
    "ModuleResult",
    "build_report",
    "mask_vin",
    "screen_vehicle_data",
    "split_charging_history",
]

KM_PER_MILE = 1.609344
PSI_PER_BAR = 14.5037738
VEHICLE_DATA_SECTIONS = (
    "charge_state",
    "climate_state",
    "drive_state",
    "gui_settings",
    "vehicle_config",
    "vehicle_state",
)
_T = TypeVar("_T")
_ENVELOPE_KEYS = {"response", "error", "error_description", "txid", "pagination", "count"}


@dataclass(frozen=True)
class ModuleResult:
    """What the worker got from Tesla for one module of one car.

    ``payload`` is the parsed JSON body, with or without Tesla's ``{"response": …}`` envelope
    (both are handled). ``reason`` says why a module is not ok, in words a support agent can use.
    """

    outcome: Literal["ok", "failed", "unavailable"]
    payload: Any = None
    reason: str | None = None

    @classmethod
    def ok(cls, payload: Any) -> ModuleResult:
        return cls("ok", payload)

    @classmethod
    def failed(cls, reason: str) -> ModuleResult:
        return cls("failed", None, reason)

    @classmethod
    def unavailable(cls, reason: str) -> ModuleResult:
        return cls("unavailable", None, reason)


class _ModuleProblem(Exception):
    """Raised by a module reader to mark the module unavailable or failed with a reason."""

    def __init__(self, outcome: ModuleOutcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------


def split_charging_history(
    sessions: Iterable[Mapping[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """Group the account-level charging history by each session's ``vin`` (upper-cased).

    Tesla returns every car's Supercharger sessions in one list; one car's report must hold only
    its own. Sessions without a VIN cannot be attributed to a car and are left out. Order within
    each car is kept.
    """
    by_vin: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for session in sessions:
        if not isinstance(session, Mapping):
            continue
        vin = _text(session.get("vin"))
        if vin:
            by_vin[vin.upper()].append(dict(session))
    return dict(by_vin)


def build_report(
    *,
    vehicle: Mapping[str, Any],
    package: str,
    modules: Mapping[str, ModuleResult],
    language: str,
    generated_at: datetime,
) -> VehicleReport:
    """Build one car's report from the package's Tesla modules.

    ``vehicle`` is the car's item from ``GET /api/1/vehicles`` (id, vin, display_name, state…).
    Modules outside the package are ignored (a report holds exactly what was bought); a package
    module absent from ``modules`` counts as failed.
    """
    if package not in PACKAGE_MODULES:
        raise ValueError(f"unknown package {package!r}")
    if generated_at.tzinfo is None:
        raise ValueError("generated_at must be timezone-aware")
    bought = Package(package)
    vin = (_text(vehicle.get("vin")) or "").upper()
    wanted = PACKAGE_MODULES[bought]
    payloads, statuses = _sort_results(bought, modules)

    vehicle_data = _read_vehicle_data(payloads, statuses)
    sections, rejected = screen_vehicle_data(vehicle_data or {})
    charge = _dict(sections.get("charge_state"))
    gui = _dict(sections.get("gui_settings"))
    config = _dict(sections.get("vehicle_config"))
    state = _dict(sections.get("vehicle_state"))
    drive = sections.get("drive_state")

    raw_sessions = _read_module(
        payloads, statuses, TeslaModule.CHARGING_HISTORY, lambda body: _charging_rows(body, vin)
    )
    units = _Units.from_settings(gui, config)
    region = _region_context(language, gui, units, raw_sessions or [])

    specs = _read_module(
        payloads, statuses, TeslaModule.VEHICLE_SPECS, lambda body: _specs(body, units, vin)
    )
    options = _read_module(payloads, statuses, TeslaModule.OPTIONS, _options)
    odometer_miles = _number(state.get("odometer"))
    charging_history = (
        _charging_history(raw_sessions)
        if statuses.get(TeslaModule.CHARGING_HISTORY) is None
        else None
    )
    alerts = _read_module(payloads, statuses, TeslaModule.RECENT_ALERTS, _alerts)
    service = _read_module(payloads, statuses, TeslaModule.SERVICE_DATA, _service)
    warranty = _read_module(
        payloads,
        statuses,
        TeslaModule.WARRANTY,
        lambda body: _warranty(body, units, odometer_miles, generated_at.date()),
    )
    release_notes = _read_module(payloads, statuses, TeslaModule.RELEASE_NOTES, _release_notes)

    for name in wanted:
        statuses.setdefault(name, ModuleStatus(module=name, outcome=ModuleOutcome.OK))
    has_vehicle_data = vehicle_data is not None
    return VehicleReport(
        status=_report_status(wanted, statuses),
        generated_at=generated_at,
        package=bought,
        language=region.language,
        region_context=region,
        modules=[statuses[name] for name in ALL_MODULES],
        identity=_identity(vehicle, vin, sections, options, specs),
        odometer=units.distance_from_miles(odometer_miles, digits=0),
        battery=_battery(
            charge,
            units,
            odometer_miles,
            specs,
            _car_context(
                vin,
                config,
                options,
                specs,
                _epoch(charge.get("timestamp")) or _epoch(state.get("timestamp")) or generated_at,
            ),
        )
        if has_vehicle_data
        else None,
        software=_software(state) if has_vehicle_data else None,
        climate=_climate(_dict(sections.get("climate_state")), units) if has_vehicle_data else None,
        tyres=_tyres(state, units) if has_vehicle_data else None,
        configuration=_configuration(config, options) if has_vehicle_data else None,
        security=_security(state) if has_vehicle_data else None,
        dashcam=_dashcam(state) if has_vehicle_data else None,
        drive=_drive(drive, units) if isinstance(drive, Mapping) else None,
        data_as_of=_epoch(charge.get("timestamp")) or _epoch(state.get("timestamp")),
        charging_history=charging_history,
        recent_alerts=alerts,
        service=service,
        warranty=warranty,
        release_notes=release_notes,
        options=options,
        specs=specs,
        rejected_values=rejected,
    )


# Raw values no car can show, in Tesla's units (miles, °C, bar, kWh, kW, mph, per cent). Wide on
# purpose: they catch corrupt or hostile payloads (1e300, -5 %), not unusual cars; the derived
# figures have their own, per-model bounds (plausibility.py).
_RAW_LIMITS: dict[str, dict[str, tuple[float, float, str]]] = {
    "charge_state": {
        **{key: (0.0, 100.0, "%") for key in (
            "battery_level", "usable_battery_level", "charge_limit_soc", "charge_limit_soc_std"
        )},
        **{key: (0.0, 1_000.0, "mi") for key in (
            "battery_range", "est_battery_range", "ideal_battery_range"
        )},
        "energy_remaining": (0.0, 250.0, "kWh"),
        "lifetime_energy_used": (0.0, 2_000_000.0, "kWh"),
        "charge_energy_added": (0.0, 1_000.0, "kWh"),
        "charger_power": (0.0, 1_000.0, "kW"),
        "charge_rate": (0.0, 3_000.0, "mph"),
        "minutes_to_full_charge": (0.0, 100_000.0, "min"),
        "module_temp_min": (-60.0, 100.0, "°C"),
        "module_temp_max": (-60.0, 100.0, "°C"),
    },
    "vehicle_state": {
        "odometer": (0.0, 2_000_000.0, "mi"),
        **{f"tpms_pressure_{corner}": (0.0, 10.0, "bar") for corner in ("fl", "fr", "rl", "rr")},
        "tpms_rcp_front_value": (0.0, 10.0, "bar"),
        "tpms_rcp_rear_value": (0.0, 10.0, "bar"),
    },
    "climate_state": {
        "inside_temp": (-60.0, 100.0, "°C"),
        "outside_temp": (-60.0, 70.0, "°C"),
        "driver_temp_setting": (0.0, 40.0, "°C"),
        "passenger_temp_setting": (0.0, 40.0, "°C"),
    },
    "drive_state": {"speed": (0.0, 300.0, "mph"), "power": (-1_000.0, 1_000.0, "kW")},
}  # fmt: skip


def screen_vehicle_data(
    sections: Mapping[str, Any],
) -> tuple[dict[str, Any], list[RejectedValue]]:
    """The vehicle_data sections with every number no car can have removed (so it reads "not
    available"), and what was removed with its possible range. Non-numbers are left to the
    readers, which already treat "<invalid>" and the like as absent."""
    cleaned = dict(sections)
    rejected: list[RejectedValue] = []
    for name, limits in _RAW_LIMITS.items():
        section = sections.get(name)
        if not isinstance(section, Mapping):
            continue
        kept = dict(section)
        for key, (low, high, unit) in limits.items():
            sent = kept.get(key)
            number = _any_number(sent)
            if number is not None and not (math.isfinite(number) and low <= number <= high):
                kept[key] = None  # "not available"; the section itself stays
                rejected.append(
                    RejectedValue(
                        field=f"{name}.{key}", sent=_shown(sent), low=low, high=high, unit=unit
                    )
                )
        cleaned[name] = kept
    return cleaned, rejected


def _shown(value: Any) -> str:
    """A raw value as text, shortened; an integer too long to print is described instead."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of {value.bit_length()} bits"
    return repr(value)[:40]


def _any_number(value: Any) -> float | None:
    """Any number, finite or not (NaN and infinities included), numbers sent as text too."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            return float(value)
        except OverflowError:  # an int beyond a float
            return math.inf
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


# ------------------------------------------------------------------------------------------------
# Module plumbing
# ------------------------------------------------------------------------------------------------


def _sort_results(
    package: Package, modules: Mapping[str, ModuleResult]
) -> tuple[dict[TeslaModule, Any], dict[TeslaModule, ModuleStatus]]:
    """The unwrapped payloads of the package's ok modules, and the status of every other module
    (``missing`` outside the package, ``failed`` or ``unavailable`` as Tesla answered)."""
    wanted = PACKAGE_MODULES[package]
    payloads: dict[TeslaModule, Any] = {}
    statuses: dict[TeslaModule, ModuleStatus] = {}
    for name in ALL_MODULES:
        if name not in wanted:
            statuses[name] = ModuleStatus(
                module=name,
                outcome=ModuleOutcome.MISSING,
                reason=f"Not included in the {package} package.",
            )
            continue
        result = modules.get(name)
        if result is None:
            statuses[name] = _not_ok(name, ModuleOutcome.FAILED, "No result was recorded.")
        elif result.outcome == "failed":
            statuses[name] = _not_ok(
                name, ModuleOutcome.FAILED, result.reason or "The Tesla call failed."
            )
        elif result.outcome == "unavailable":
            statuses[name] = _not_ok(
                name, ModuleOutcome.UNAVAILABLE, result.reason or "Tesla returned no data."
            )
        else:
            try:
                payloads[name] = _unwrap(result.payload)
            except _ModuleProblem as problem:
                statuses[name] = _not_ok(name, problem.outcome, problem.reason)
    return payloads, statuses


def _read_vehicle_data(
    payloads: Mapping[TeslaModule, Any], statuses: dict[TeslaModule, ModuleStatus]
) -> dict[str, Any] | None:
    """vehicle_data's sections; an ok module names the sections Tesla left out."""
    name = TeslaModule.VEHICLE_DATA
    vehicle_data = _read_module(payloads, statuses, name, _vehicle_data_sections)
    if vehicle_data is not None:
        left_out = [section for section in VEHICLE_DATA_SECTIONS if section not in vehicle_data]
        statuses[name] = ModuleStatus(
            module=name,
            outcome=ModuleOutcome.OK,
            reason=f"Tesla left out: {', '.join(left_out)}." if left_out else None,
            missing_sections=left_out,
        )
    return vehicle_data


def _region_context(
    requested: str,
    gui: Mapping[str, Any],
    units: _Units,
    sessions: Sequence[Mapping[str, Any]],
) -> RegionContext:
    language = resolve_language(requested)
    uses_24_hour_time = _bool(gui.get("gui_24_hour_time"))
    return RegionContext(
        language=language,
        requested_language=requested or "",
        locale=locale_for(language, units.distance),
        distance_unit=units.distance,
        temperature_unit=units.temperature,
        pressure_unit=units.pressure,
        uses_24_hour_time=uses_24_hour_time
        if uses_24_hour_time is not None
        else units.distance == "km",
        units_source=units.source,
        currency=_report_currency(sessions, language, units.distance),
    )


def _report_status(
    wanted: Sequence[TeslaModule], statuses: Mapping[TeslaModule, ModuleStatus]
) -> ReportStatus:
    ok_count = sum(statuses[name].outcome == ModuleOutcome.OK for name in wanted)
    if ok_count == len(wanted):
        return ReportStatus.COMPLETE
    return ReportStatus.FAILED if ok_count == 0 else ReportStatus.PARTIAL


def _not_ok(name: TeslaModule, outcome: ModuleOutcome, reason: str) -> ModuleStatus:
    return ModuleStatus(module=name, outcome=outcome, reason=reason)


def _unwrap(payload: Any) -> Any:
    """Strip Tesla's ``{"response": …}`` envelope; an error envelope fails the module."""
    if isinstance(payload, Mapping) and "response" in payload and set(payload) <= _ENVELOPE_KEYS:
        if payload.get("response") is None:
            error = _text(payload.get("error"))
            if error:
                raise _ModuleProblem(ModuleOutcome.FAILED, f"Tesla answered: {error}")
            raise _ModuleProblem(ModuleOutcome.UNAVAILABLE, "Tesla returned an empty response.")
        return payload["response"]
    return payload


def _read_module(
    payloads: Mapping[TeslaModule, Any],
    statuses: dict[TeslaModule, ModuleStatus],
    name: TeslaModule,
    reader: Callable[[Any], _T],
) -> _T | None:
    """Run ``reader`` on an ok module's payload; record why when it cannot be read."""
    if name not in payloads:
        return None
    try:
        return reader(payloads[name])
    except _ModuleProblem as problem:
        statuses[name] = _not_ok(name, problem.outcome, problem.reason)
    except (TypeError, ValueError, KeyError, AttributeError, InvalidOperation) as error:
        # A shape we do not understand must not cost the customer the whole report.
        statuses[name] = _not_ok(
            name, ModuleOutcome.FAILED, f"Unexpected response shape ({type(error).__name__})."
        )
    return None


def _empty(reason: str) -> _ModuleProblem:
    return _ModuleProblem(ModuleOutcome.UNAVAILABLE, reason)


def _vehicle_data_sections(body: Any) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise _empty("Tesla returned no vehicle data.")
    present = [name for name in VEHICLE_DATA_SECTIONS if isinstance(body.get(name), Mapping)]
    if not present:
        raise _empty("Tesla returned no vehicle data sections (the car may be asleep).")
    return dict(body)


# ------------------------------------------------------------------------------------------------
# Small null-safe readers
# ------------------------------------------------------------------------------------------------


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str | None:
    """A meaningful string, or None for null, blanks and Tesla's "<invalid>" placeholder."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return str(value)
    if not isinstance(value, str):
        return None
    cleaned = value.strip()
    return None if not cleaned or cleaned.lower() in ("<invalid>", "unknown", "null") else cleaned


def _number(value: Any) -> float | None:
    """A finite number; numbers sent as text count, "<invalid>", NaN and infinities don't."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if not isinstance(value, int | float | Decimal | str):
            return None
        number = float(value)
    except (ValueError, OverflowError):  # text that is no number, an int beyond any float
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


_TRUE_TEXT = frozenset({"true", "yes", "on", "1"})
_FALSE_TEXT = frozenset({"false", "no", "off", "0"})


def _bool(value: Any) -> bool | None:
    """A boolean; Tesla (and Tessie-style relays) also send "true"/"false" as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        return True if lowered in _TRUE_TEXT else False if lowered in _FALSE_TEXT else None
    return None


def _decimal(value: Any) -> Decimal | None:
    """Exact decimal of a JSON number: via its shortest repr, so 6.24 stays 6.24."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value)) if isinstance(value, int | float | str) else None
    except (InvalidOperation, ValueError):  # ValueError: an int of more digits than str allows
        return None


def _datetime(value: Any) -> datetime | None:
    """ISO-8601 (with Z or offset) or epoch seconds/milliseconds → aware datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch(value)
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _epoch(value: Any) -> datetime | None:
    number = _number(value)
    if number is None or number <= 0:
        return None
    seconds = number / 1000 if number > 1e11 else number  # ms timestamps are 13 digits
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _date(value: Any) -> date | None:
    moment = _datetime(value)
    return moment.date() if moment else None


def _round(value: float, digits: int) -> float:
    return float(Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


# ------------------------------------------------------------------------------------------------
# Units
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Units:
    distance: DistanceUnit
    temperature: TemperatureUnit
    pressure: PressureUnit
    source: Literal["gui_settings", "region_default"]

    @classmethod
    def from_settings(cls, gui: Mapping[str, Any], config: Mapping[str, Any]) -> _Units:
        """The owner's display units; without gui_settings, what a car of its market shows."""
        distance_setting = (_text(gui.get("gui_distance_units")) or "").lower()
        temperature_setting = (_text(gui.get("gui_temperature_units")) or "").upper()
        pressure_setting = (_text(gui.get("gui_tirepressure_units")) or "").lower()
        us_market = (
            _text(config.get("charge_port_type")) == "US"
            or _bool(config.get("eu_vehicle")) is False
        )
        distance: DistanceUnit = (
            "mi"
            if distance_setting.startswith("mi")
            else "km"
            if distance_setting.startswith("km")
            else ("mi" if us_market else "km")
        )
        temperature: TemperatureUnit = (
            "F"
            if temperature_setting.startswith("F")
            else "C"
            if temperature_setting.startswith("C")
            else ("F" if us_market else "C")
        )
        pressure: PressureUnit = (
            "psi"
            if pressure_setting.startswith("psi")
            else "kPa"
            if pressure_setting.startswith("kpa")
            else "bar"
            if pressure_setting.startswith("bar")
            else ("psi" if us_market else "bar")
        )
        source: Literal["gui_settings", "region_default"] = (
            "gui_settings" if distance_setting else "region_default"
        )
        return cls(distance, temperature, pressure, source)

    # Every conversion is total: a value no car can have (a payload's 1e300, NaN) is "not
    # available" rather than an exception; screen_vehicle_data names such values earlier.
    def distance_from_miles(self, miles: float | None, digits: int = 1) -> Quantity | None:
        miles = _measurable(miles, 1e7)
        if miles is None:
            return None
        value = miles * KM_PER_MILE if self.distance == "km" else miles
        return Quantity(value=_round(value, digits), unit=self.distance)

    def distance_from(self, value: float | None, unit: str | None) -> Quantity | None:
        """A distance Tesla gave in KM or MI, in the reader's unit."""
        value = _measurable(value, 1e7)
        if value is None:
            return None
        miles = value / KM_PER_MILE if (unit or "").upper().startswith("K") else value
        return self.distance_from_miles(miles, digits=0)

    def speed_from_mph(self, mph: float | None) -> Quantity | None:
        mph = _measurable(mph, 1e4)
        if mph is None:
            return None
        if self.distance == "km":
            return Quantity(value=_round(mph * KM_PER_MILE, 1), unit="km/h")
        return Quantity(value=_round(mph, 1), unit="mph")

    def temperature_from_celsius(self, celsius: float | None) -> Quantity | None:
        celsius = _measurable(celsius, 1e4)
        if celsius is None:
            return None
        if self.temperature == "F":
            return Quantity(value=_round(celsius * 9 / 5 + 32, 1), unit="F")
        return Quantity(value=_round(celsius, 1), unit="C")

    def pressure_from_bar(self, bar: float | None) -> Quantity | None:
        bar = _measurable(bar, 1e3)
        if bar is None:
            return None
        if self.pressure == "psi":
            return Quantity(value=_round(bar * PSI_PER_BAR, 1), unit="psi")
        if self.pressure == "kPa":
            return Quantity(value=_round(bar * 100, 0), unit="kPa")
        return Quantity(value=_round(bar, 2), unit="bar")


def _measurable(value: float | None, limit: float) -> float | None:
    """``value`` when it is a finite number of a size a unit conversion can carry."""
    if value is None or not math.isfinite(value) or abs(value) > limit:
        return None
    return value


_LANGUAGE_CURRENCY = {"sv": "SEK", "no": "NOK", "da": "DKK"}


def _report_currency(sessions: Sequence[Mapping[str, Any]], language: str, distance: str) -> str:
    """The currency most of this car's sessions were paid in; else the reader's usual one."""
    used = Counter(
        currency
        for session in sessions
        for currency in {
            _text(fee.get("currencyCode")) for fee in map(_dict, _list(session.get("fees")))
        }
        if currency
    )
    if used:
        return sorted(used.items(), key=lambda item: (-item[1], item[0]))[0][0]
    if language in _LANGUAGE_CURRENCY:
        return _LANGUAGE_CURRENCY[language]
    return "USD" if distance == "mi" else "EUR"


# ------------------------------------------------------------------------------------------------
# Identity and vehicle_data sections
# ------------------------------------------------------------------------------------------------

_PLANT_BY_VIN_CHAR = {"F": "Fremont", "A": "Austin", "C": "Shanghai", "B": "Berlin", "N": "Reno"}
_PLANT_BY_WMI = {"LRW": "Shanghai", "XP7": "Berlin"}
# VIN position 8 digits (motor layout); letters are not decoded reliably, so they are skipped.
_DRIVE_BY_VIN_CHAR: dict[str, Literal["AWD", "RWD"]] = {
    "1": "RWD",
    "3": "RWD",
    "2": "AWD",
    "4": "AWD",
    "5": "AWD",
    "6": "AWD",
}


def _trim_from_badging(badging: str | None, model: str | None, year: int | None) -> str | None:
    """Marketing trim from trim_badging (TeslaMate's table), used when options are not bought."""
    if not badging:
        return None
    code = badging.lower()
    if model in ("Model S", "Model X"):
        return {"p100d": "Plaid", "100d": "Long Range"}.get(code)
    if code == "50":
        if model == "Model Y":
            return "Standard Range"
        return "Rear-Wheel Drive" if (year or 0) >= 2022 else "Standard Range Plus"
    return {
        "p74d": "Long Range AWD Performance",
        "74d": "Long Range AWD",
        "74": "Long Range",
        "62": "Mid Range",
    }.get(code)


def _drivetrain(*hints: str | None) -> Literal["AWD", "RWD"] | None:
    for hint in hints:
        text = (hint or "").lower()
        if any(word in text for word in ("all-wheel", "awd", "dual motor", "plaid", "tri motor")):
            return "AWD"
        if any(word in text for word in ("rear-wheel", "rwd")):
            return "RWD"
    return None


def _identity(
    vehicle: Mapping[str, Any],
    vin: str,
    sections: Mapping[str, Any],
    options: FactoryOptions | None,
    specs: VehicleSpecs | None,
) -> VehicleIdentity:
    config = _dict(sections.get("vehicle_config"))
    state = _dict(sections.get("vehicle_state"))
    car_type = _text(config.get("car_type")) or _text(vehicle.get("car_type"))
    year = model_year(vin)
    model = model_name(vin, car_type)
    trim_option = _trim_option(options)
    badging = _text(config.get("trim_badging"))
    trim = (
        trim_option or (specs.trim if specs else None) or _trim_from_badging(badging, model, year)
    )
    drivetrain = (
        _drivetrain(trim_option, specs.drive_type if specs else None, trim)
        or (("AWD" if badging.lower().endswith("d") else "RWD") if badging else None)
        or (_DRIVE_BY_VIN_CHAR.get(vin[7]) if len(vin) == 17 else None)
    )
    factory = (specs.factory if specs else None) or (
        (_PLANT_BY_VIN_CHAR.get(vin[10]) or _PLANT_BY_WMI.get(vin[:3])) if len(vin) == 17 else None
    )
    return VehicleIdentity(
        model=model,
        model_year=year,
        vin_masked=mask_vin(vin),
        display_name=_text(vehicle.get("display_name"))
        or _text(sections.get("display_name"))
        or _text(state.get("vehicle_name")),
        trim=trim,
        drivetrain=drivetrain,
        factory=factory,
        car_type=car_type,
        state=_text(vehicle.get("state")) or _text(sections.get("state")),
        access_type=_text(sections.get("access_type")) or _text(vehicle.get("access_type")),
    )


def _trim_option(options: FactoryOptions | None) -> str | None:
    for option in options.options if options else []:
        if (option.code or "").upper().startswith("$MT") and option.display_name:
            return option.display_name
    return None


def _battery(
    charge: Mapping[str, Any],
    units: _Units,
    odometer_miles: float | None,
    specs: VehicleSpecs | None,
    car: _CarContext,
) -> BatteryAndCharging | None:
    if not charge:
        return None
    bounds = plausibility.bounds_for(car.model)
    problems: list[Inconsistency] = []
    level = _int(charge.get("battery_level"))
    usable = _int(charge.get("usable_battery_level"))
    energy_remaining = _number(charge.get("energy_remaining"))
    lifetime = _number(charge.get("lifetime_energy_used"))
    range_miles = _number(charge.get("battery_range"))
    power = _number(charge.get("charger_power"))
    return BatteryAndCharging(
        battery_level_pct=level,
        usable_battery_level_pct=usable,
        charge_limit_pct=_int(charge.get("charge_limit_soc")),
        charge_limit_standard_pct=_int(charge.get("charge_limit_soc_std")),
        rated_range=units.distance_from_miles(range_miles, digits=0),
        estimated_range=units.distance_from_miles(
            _number(charge.get("est_battery_range")), digits=0
        ),
        charging_state=_text(charge.get("charging_state")),
        charger_power_kw=_plausible(
            "charger_power", power, bounds.charger_power, {"charger_power": _kw(power)}, problems
        ),
        charge_rate=units.speed_from_mph(_number(charge.get("charge_rate"))),
        minutes_to_full_charge=_int(charge.get("minutes_to_full_charge")),
        charge_energy_added_kwh=_number(charge.get("charge_energy_added")),
        charge_port_door_open=_bool(charge.get("charge_port_door_open")),
        charge_port_latch=_text(charge.get("charge_port_latch")),
        energy_remaining_kwh=energy_remaining,
        lifetime_energy_used_kwh=_safe_round(lifetime, 1) if lifetime is not None else None,
        lifetime_consumption=_consumption(lifetime, odometer_miles, units, bounds, problems),
        battery_temp_min=units.temperature_from_celsius(_number(charge.get("module_temp_min"))),
        battery_temp_max=units.temperature_from_celsius(_number(charge.get("module_temp_max"))),
        health=_battery_health(
            battery_health.Reading(
                usable if usable is not None else level, energy_remaining, range_miles
            ),
            units,
            specs,
            car,
            odometer_miles,
            problems,
        ),
        inconsistent=problems,
    )


def _kwh(value: float | None) -> Quantity | None:
    return Quantity(value=_safe_round(value, 1), unit="kWh") if _finite(value) else None


def _kw(value: float | None) -> Quantity | None:
    return Quantity(value=_safe_round(value, 1), unit="kW") if _finite(value) else None


def _finite(value: float | None) -> TypeGuard[float]:
    return value is not None and math.isfinite(value)


def _safe_round(value: float, digits: int) -> float:
    """``_round`` for any float the car may send: a value beyond any physical bound (or not
    finite) is kept as it is, to be caught by the plausibility check rather than crash."""
    return _round(value, digits) if math.isfinite(value) and abs(value) < 1e12 else value


def _plausible(
    figure: str,
    value: float | None,
    bounds: plausibility.Bounds,
    inputs: Mapping[str, Quantity | None],
    problems: list[Inconsistency],
) -> float | None:
    """``value`` when it is physically possible for the model; otherwise None, and the reason
    (the value, its bounds and the inputs it came from) is added to ``problems``."""
    if value is None or bounds.holds(value):
        return value
    problems.append(
        Inconsistency(
            figure=figure,
            # A non-finite value (overflow, NaN from the car) is recorded as the bound it broke.
            value=value if math.isfinite(value) else (bounds.low if value < 0 else bounds.high),
            unit=bounds.unit,
            low=bounds.low,
            high=bounds.high,
            inputs={name: quantity for name, quantity in inputs.items() if quantity is not None},
        )
    )
    return None


def _consumption(
    lifetime_kwh: float | None,
    odometer_miles: float | None,
    units: _Units,
    bounds: plausibility.ModelBounds,
    problems: list[Inconsistency],
) -> Quantity | None:
    """Lifetime energy ÷ odometer, in Wh per the reader's distance unit, when possible."""
    if not lifetime_kwh or not _finite(odometer_miles) or odometer_miles <= 100:
        return None
    per_mile_wh = lifetime_kwh * 1000 / odometer_miles
    if units.distance == "km":
        value, limits = per_mile_wh / KM_PER_MILE, bounds.consumption
    else:
        value, limits = per_mile_wh, bounds.consumption.scaled(KM_PER_MILE, "Wh/mi")
    inputs = {
        "lifetime_energy": _kwh(lifetime_kwh),
        "odometer": units.distance_from_miles(odometer_miles, digits=0),
    }
    checked = _plausible(
        "consumption", _safe_round(value, 0) if _finite(value) else value, limits, inputs, problems
    )
    return None if checked is None else Quantity(value=checked, unit=limits.unit)


@dataclass(frozen=True)
class _CarContext:
    """What identifies the car's pack and frames its battery health."""

    model: str | None
    year: int | None
    badge: str | None
    market: battery_health.Market | None
    trim_words: tuple[str, ...]
    age_years: float | None


def _car_context(
    vin: str,
    config: Mapping[str, Any],
    options: FactoryOptions | None,
    specs: VehicleSpecs | None,
    read_at: datetime,
) -> _CarContext:
    year = model_year(vin)
    trim_names = " ".join(name for name in (_trim_option(options), specs and specs.trim) if name)
    # Model year N is built from about mid N-1 to mid N: its age counts from 1 January of N,
    # up to when Tesla read the car (a replayed old snapshot is judged at its own date).
    age = (read_at.date() - date(year, 1, 1)).days / 365.25 if year else None
    return _CarContext(
        model=model_name(vin, _text(config.get("car_type"))),
        year=year,
        badge=_text(config.get("trim_badging")),
        market=_market(config),
        trim_words=tuple(re.findall(r"[a-z]+", trim_names.lower())),
        age_years=None if age is None else round(max(age, 0.0), 1),
    )


def _market(config: Mapping[str, Any]) -> battery_health.Market | None:
    """Which regulatory test the car's rated range follows: EPA in North America, WLTP in
    Europe. China's GB port (CLTC) and cars that say nothing have no known rating."""
    port = (_text(config.get("charge_port_type")) or "").upper()
    eu_vehicle = _bool(config.get("eu_vehicle"))
    if port == "US":
        return "epa"
    if port == "GB":
        return None
    if eu_vehicle or port == "CCS":
        return "wltp"
    return "epa" if eu_vehicle is False else None


def _battery_health(
    reading: battery_health.Reading,
    units: _Units,
    specs: VehicleSpecs | None,
    car: _CarContext,
    odometer_miles: float | None,
    problems: list[Inconsistency],
) -> BatteryHealth:
    """Both estimates against the car's figures when new (specs, else the pack table)."""
    row = battery_reference.find_pack(car.model, car.badge, car.year, car.trim_words)
    rating = battery_health.rating_from(
        row,
        specs_usable_kwh=specs.usable_capacity_kwh if specs else None,
        specs_epa_mi=_in_unit(specs.range_epa if specs else None, "mi"),
        specs_wltp_km=_in_unit(specs.range_wltp if specs else None, "km"),
    )
    result = battery_health.assess(
        reading,
        rating,
        market=car.market,
        age_years=car.age_years,
        odometer_mi=odometer_miles,
        bounds=plausibility.bounds_for(car.model),
        unidentified=_unidentified(car),
    )
    problems.extend(_inconsistency(problem, units) for problem in result.problems)
    reference_range = _reference_range(rating, car.market)
    return BatteryHealth(
        estimated_usable_capacity_kwh=_safe_round(result.capacity_now_kwh, 1)
        if result.capacity_now_kwh is not None
        else None,
        reference_capacity_kwh=rating.usable_kwh if rating else None,
        health_pct=result.health_pct,
        full_charge_range=units.distance_from_miles(result.full_range_mi, digits=0),
        sample_count=1,
        method="snapshot_capacity_and_rated_range",
        health_low_pct=result.low_pct,
        health_high_pct=result.high_pct,
        reference_range=reference_range,
        reference_origin=rating.origin if rating else None,
        reference_label=rating.label if rating else None,
        reference_verified=rating.verified if rating else None,
        reference_sources=[
            battery_reference.SOURCES[key]
            for key in (rating.sources if rating else ())
            if key in battery_reference.SOURCES
        ],
        estimates=[_estimate(estimate, reading, units) for estimate in result.estimates],
        estimates_agree=result.agree,
        typical_health_pct=result.typical_pct,
        age_years=car.age_years,
        verdict=result.verdict,
        missing=list(result.missing),
    )


def _unidentified(car: _CarContext) -> str | None:
    """What the pack table lacked to identify the car, when it did not."""
    if not car.model:
        return "model"
    if not car.year:
        return "model_year"
    return None if car.badge else "trim_badging"


def _in_unit(quantity: Quantity | None, unit: str) -> float | None:
    """A specs range back in the rating's own unit (specs are stored in the reader's)."""
    if quantity is None:
        return None
    if quantity.unit == unit:
        return quantity.value
    return quantity.value * KM_PER_MILE if unit == "km" else quantity.value / KM_PER_MILE


def _reference_range(
    rating: battery_health.Rating | None, market: battery_health.Market | None
) -> Quantity | None:
    if rating is None or market is None:
        return None
    value, unit = (rating.epa_mi, "mi") if market == "epa" else (rating.wltp_km, "km")
    return Quantity(value=_safe_round(value, 0), unit=unit) if value else None


def _estimate(
    estimate: battery_health.Estimate, reading: battery_health.Reading, units: _Units
) -> HealthEstimate:
    level = Quantity(value=float(reading.usable_level_pct or 0), unit="%")
    if estimate.kind == "capacity":
        inputs = {"energy_remaining": _kwh(reading.energy_remaining_kwh), "usable_level": level}
    else:
        rated = units.distance_from_miles(reading.rated_range_mi, digits=1)
        inputs = {"rated_range": rated, "usable_level": level}
    digits = 1 if estimate.unit == "kWh" else 0
    return HealthEstimate(
        kind=estimate.kind,
        measured=Quantity(value=_safe_round(estimate.measured, digits), unit=estimate.unit),
        reference=Quantity(value=_safe_round(estimate.reference, digits), unit=estimate.unit),
        health_pct=_safe_round(estimate.health_pct, 1),
        low_pct=_safe_round(estimate.low_pct, 1),
        high_pct=_safe_round(estimate.high_pct, 1),
        inputs={name: value for name, value in inputs.items() if value is not None},
    )


def _inconsistency(problem: battery_health.Problem, units: _Units) -> Inconsistency:
    """A withheld battery figure in the report's terms (range in the reader's unit)."""
    bounds, value = problem.bounds, problem.value
    if problem.figure == "full_charge_range" and units.distance == "mi":
        bounds, value = bounds.scaled(1 / KM_PER_MILE, "mi"), value / KM_PER_MILE
    inputs = {
        name: units.distance_from_miles(number, digits=0)
        if unit == "mi"
        else Quantity(value=_safe_round(number, 1), unit=unit)
        for name, (number, unit) in problem.inputs.items()
    }
    finite = value if math.isfinite(value) else bounds.high
    return Inconsistency(
        figure=problem.figure,
        value=_safe_round(finite, 1),
        unit=bounds.unit,
        low=bounds.low,
        high=bounds.high,
        inputs={name: quantity for name, quantity in inputs.items() if quantity is not None},
    )


def _software(state: Mapping[str, Any]) -> Software | None:
    if not state:
        return None
    version_text = _text(state.get("car_version")) or ""
    version, _, build = version_text.partition(" ")
    update = _dict(state.get("software_update"))
    update_status = _text(update.get("status"))
    update_version = _text(update.get("version"))
    expected_seconds = _number(update.get("expected_duration_sec"))
    return Software(
        version=version or None,
        build=build.strip() or None,
        update_available=bool(update_status or update_version) if update else None,
        update_status=update_status,
        update_version=update_version,
        update_download_pct=_int(update.get("download_perc")) if update_status else None,
        update_expected_minutes=int(expected_seconds // 60)
        if expected_seconds and update_status
        else None,
    )


def _climate(climate: Mapping[str, Any], units: _Units) -> Climate | None:
    if not climate:
        return None
    return Climate(
        inside_temp=units.temperature_from_celsius(_number(climate.get("inside_temp"))),
        outside_temp=units.temperature_from_celsius(_number(climate.get("outside_temp"))),
        driver_setting=units.temperature_from_celsius(_number(climate.get("driver_temp_setting"))),
        passenger_setting=units.temperature_from_celsius(
            _number(climate.get("passenger_temp_setting"))
        ),
        is_climate_on=_bool(climate.get("is_climate_on")),
        is_preconditioning=_bool(climate.get("is_preconditioning")),
        cabin_overheat_protection=_text(climate.get("cabin_overheat_protection")),
        battery_heater_on=_bool(climate.get("battery_heater")),
    )


_CORNERS: tuple[tuple[str, TyrePosition], ...] = (
    ("fl", "front_left"),
    ("fr", "front_right"),
    ("rl", "rear_left"),
    ("rr", "rear_right"),
)


def _tyres(state: Mapping[str, Any], units: _Units) -> Tyres | None:
    if not any(key.startswith("tpms_") for key in state):
        return None
    tyres = [
        TyrePressure(
            position=position,
            pressure=units.pressure_from_bar(_number(state.get(f"tpms_pressure_{corner}"))),
            soft_warning=_bool(state.get(f"tpms_soft_warning_{corner}")),
            hard_warning=_bool(state.get(f"tpms_hard_warning_{corner}")),
            last_seen=_epoch(state.get(f"tpms_last_seen_pressure_time_{corner}")),
        )
        for corner, position in _CORNERS
    ]
    return Tyres(
        tyres=tyres,
        recommended_front=units.pressure_from_bar(_number(state.get("tpms_rcp_front_value"))),
        recommended_rear=units.pressure_from_bar(_number(state.get("tpms_rcp_rear_value"))),
        any_warning=any(tyre.soft_warning or tyre.hard_warning for tyre in tyres),
    )


def _configuration(
    config: Mapping[str, Any], options: FactoryOptions | None
) -> Configuration | None:
    if not config:
        return None
    badging = _text(config.get("trim_badging"))
    return Configuration(
        # Option names ("Pearl White Multi-Coat") read better than config codes ("PearlWhite").
        exterior_color=_option_name(options, "$P") or _humanise(config.get("exterior_color")),
        wheel_type=_option_name(options, "$W") or _humanise(config.get("wheel_type")),
        interior_trim=_option_name(options, "$I") or _humanise(config.get("interior_trim_type")),
        drivetrain=_drivetrain(_trim_option(options))
        or (("AWD" if badging.lower().endswith("d") else "RWD") if badging else None),
        charge_port_type=_text(config.get("charge_port_type")),
        driver_assist=_text(config.get("driver_assist")),
        trim_badging=badging,
        performance_package=_text(config.get("performance_package")),
        right_hand_drive=_bool(config.get("rhd")),
        eu_vehicle=_bool(config.get("eu_vehicle")),
        has_air_suspension=_bool(config.get("has_air_suspension")),
        has_seat_cooling=_bool(config.get("has_seat_cooling")),
        third_row_seats=_text(config.get("third_row_seats")),
    )


def _option_name(options: FactoryOptions | None, prefix: str) -> str | None:
    for option in options.options if options else []:
        if (option.code or "").upper().startswith(prefix) and option.display_name:
            return option.display_name
    return None


_CONFIG_WORD = re.compile(r"(?<=[a-z])(?=[A-Z0-9])")


def _humanise(value: Any) -> str | None:
    """Tesla config codes as words: PearlWhite → Pearl White, Pinwheel18 → Pinwheel 18."""
    text = _text(value)
    return _CONFIG_WORD.sub(" ", text) if text else None


_CLOSURES = {
    "df": "driver_door",
    "pf": "passenger_door",
    "dr": "rear_left_door",
    "pr": "rear_right_door",
    "ft": "front_trunk",
    "rt": "rear_trunk",
    "fd_window": "driver_window",
    "fp_window": "passenger_window",
    "rd_window": "rear_left_window",
    "rp_window": "rear_right_window",
}


def _security(state: Mapping[str, Any]) -> Security | None:
    if not state:
        return None
    reported = [key for key in _CLOSURES if _number(state.get(key)) is not None]
    return Security(
        locked=_bool(state.get("locked")),
        sentry_mode=_bool(state.get("sentry_mode")),
        sentry_mode_available=_bool(state.get("sentry_mode_available")),
        valet_mode=_bool(state.get("valet_mode")),
        open_closures=[_CLOSURES[key] for key in reported if _number(state.get(key))]
        if reported
        else None,
    )


def _dashcam(state: Mapping[str, Any]) -> Dashcam | None:
    if "dashcam_state" not in state and "dashcam_clip_save_available" not in state:
        return None
    return Dashcam(
        state=_text(state.get("dashcam_state")),
        clip_save_available=_bool(state.get("dashcam_clip_save_available")),
    )


def _drive(drive: Mapping[str, Any], units: _Units) -> DriveSnapshot:
    # Location is left out on purpose: a report may be handed to a buyer.
    return DriveSnapshot(
        shift_state=_text(drive.get("shift_state")),
        speed=units.speed_from_mph(_number(drive.get("speed"))),
        power_kw=_number(drive.get("power")),
    )


# ------------------------------------------------------------------------------------------------
# Charging history
# ------------------------------------------------------------------------------------------------


def _charging_rows(body: Any, vin: str) -> list[dict[str, Any]]:
    """Accept a bare list, ``{"data": [...]}`` or ``{"response": {"data": [...]}}``; keep only
    this car's rows (the history is account-level)."""
    if isinstance(body, Mapping):
        body = body.get("data", body.get("response"))
        if isinstance(body, Mapping):
            body = body.get("data")
    if not isinstance(body, list):
        raise _empty("Tesla returned no charging history.")
    return split_charging_history(body).get(vin, [])


def _add(totals: dict[str, Decimal], currency: str | None, amount: Decimal | None) -> None:
    if currency and amount is not None:
        totals[currency] = totals.get(currency, Decimal(0)) + amount


def _money_list(totals: Mapping[str, Decimal], places: int = 2) -> list[Money]:
    """Per-currency amounts, ordered by currency code, at a fixed number of decimals."""
    step = Decimal(1).scaleb(-places)
    return [
        Money(amount=amount.quantize(step, ROUND_HALF_UP), currency=code)
        for code, amount in sorted(totals.items())
    ]


@dataclass
class _SessionSums:
    energy: Decimal | None
    charging: dict[str, Decimal]
    idle: dict[str, Decimal]
    total: dict[str, Decimal]
    free: bool


def _session_sums(row: Mapping[str, Any]) -> _SessionSums:
    energy: Decimal | None = None
    charging: dict[str, Decimal] = {}
    idle: dict[str, Decimal] = {}
    total: dict[str, Decimal] = {}
    charging_types: list[str] = []
    for fee in map(_dict, _list(row.get("fees"))):
        kind = (_text(fee.get("feeType")) or "").upper()
        currency = _text(fee.get("currencyCode"))
        # netDue is what the owner paid after credits; totalDue when Tesla omits it.
        due = _decimal(fee.get("netDue"))
        if due is None:
            due = _decimal(fee.get("totalDue"))
        _add(total, currency, due)
        if kind == "CHARGING":
            charging_types.append((_text(fee.get("pricingType")) or "").upper())
            _add(charging, currency, due)
            usage = _decimal(fee.get("usageBase"))
            if usage is not None and (_text(fee.get("uom")) or "kwh").lower() == "kwh":
                energy = (energy or Decimal(0)) + usage
        elif kind == "CONGESTION":
            _add(idle, currency, due)
    free = bool(charging_types) and all(kind == "NO_CHARGE" for kind in charging_types)
    return _SessionSums(energy, charging, idle, total, free)


def _average_prices(
    paid_charging: Mapping[str, Decimal], paid_energy: Mapping[str, Decimal]
) -> tuple[dict[str, Decimal], list[Inconsistency]]:
    """Charging fees ÷ energy per currency, keeping only prices a Supercharger can charge."""
    average: dict[str, Decimal] = {}
    problems: list[Inconsistency] = []
    for code, fees in paid_charging.items():
        energy = paid_energy.get(code)
        if not energy:
            continue
        price = (fees / energy).quantize(Decimal("0.001"), ROUND_HALF_UP)
        bounds = plausibility.price_bounds(code)
        inputs = {
            "charging_fees": Quantity(value=float(fees), unit=code),
            "energy_charged": Quantity(value=float(energy), unit="kWh"),
        }
        if (
            bounds is not None
            and _plausible("price_per_kwh", float(price), bounds, inputs, problems) is None
        ):
            continue  # recorded in problems, left out of the averages
        average[code] = price
    return average, problems


def _charging_history(rows: Sequence[Mapping[str, Any]] | None) -> ChargingHistory:
    rows = rows or []
    sessions: list[ChargingSession] = []
    totals: dict[str, Decimal] = {}
    idle_totals: dict[str, Decimal] = {}
    paid_charging: dict[str, Decimal] = {}
    paid_energy: dict[str, Decimal] = {}
    energy_total = Decimal(0)
    months: dict[str, tuple[int, Decimal, dict[str, Decimal]]] = {}
    for row in rows:
        sums = _session_sums(row)
        started = _datetime(row.get("chargeStartDateTime"))
        stopped = _datetime(row.get("chargeStopDateTime"))
        energy = sums.energy or Decimal(0)
        energy_total += energy
        for code, amount in sums.total.items():
            _add(totals, code, amount)
        for code, amount in sums.idle.items():
            _add(idle_totals, code, amount)
        if not sums.free:
            for code, amount in sums.charging.items():
                _add(paid_charging, code, amount)
                _add(paid_energy, code, energy)
        if started:
            month = f"{started.year:04d}-{started.month:02d}"
            count, month_energy, month_cost = months.get(month, (0, Decimal(0), {}))
            for code, amount in sums.total.items():
                _add(month_cost, code, amount)
            months[month] = (count + 1, month_energy + energy, month_cost)
        sessions.append(
            ChargingSession(
                session_id=_int(row.get("sessionId")),
                started_at=started,
                stopped_at=stopped,
                duration_minutes=int((stopped - started).total_seconds() // 60)
                if started and stopped and stopped >= started
                else None,
                site_name=_text(row.get("siteLocationName")),
                country_code=_text(row.get("countryCode")),
                energy_kwh=sums.energy,
                charging_cost=_money_list(sums.charging),
                idle_fees=_money_list(sums.idle),
                total_cost=_money_list(sums.total),
                free=sums.free,
                invoice_count=len(_list(row.get("invoices"))),
            )
        )
    # Newest first: what a reader checks first. Sessions without a date go last.
    sessions.sort(
        key=lambda s: s.started_at.timestamp() if s.started_at else float("-inf"), reverse=True
    )
    starts = [s.started_at for s in sessions if s.started_at]
    average, price_problems = _average_prices(paid_charging, paid_energy)
    return ChargingHistory(
        session_count=len(sessions),
        total_energy_kwh=energy_total,
        total_cost=_money_list(totals),
        idle_fees=_money_list(idle_totals),
        average_price_per_kwh=_money_list(average, places=3),
        inconsistent=price_problems,
        free_session_count=sum(session.free for session in sessions),
        first_session_at=min(starts, key=lambda moment: moment.timestamp()) if starts else None,
        last_session_at=max(starts, key=lambda moment: moment.timestamp()) if starts else None,
        monthly=[
            MonthlyCharging(
                month=month,
                session_count=count,
                energy_kwh=energy,
                total_cost=_money_list(cost),
            )
            for month, (count, energy, cost) in sorted(months.items())
        ],
        sessions=sessions,
    )


# ------------------------------------------------------------------------------------------------
# Alerts, service, warranty, release notes, options, specs
# ------------------------------------------------------------------------------------------------

_CAMEL_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _alert_text(name: str | None) -> str | None:
    """BMS_a066_SW_Low_Soc → "SW Low Soc"; lowVoltageBatteryLow → "Low voltage battery low"."""
    if not name:
        return None
    parts = name.split("_")
    tail = " ".join(parts[2:]) if len(parts) > 2 else name
    words = _CAMEL_WORD.sub(" ", tail).split()
    if not words:
        return None
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:]


def _alerts(body: Any) -> RecentAlerts:
    rows = body.get("recent_alerts") if isinstance(body, Mapping) else body
    if rows is None:
        raise _empty("Tesla returned no alert list.")
    alerts = [
        Alert(
            name=_text(row.get("name")),
            time=_datetime(row.get("time")),
            text=_text(row.get("user_text")) or _alert_text(_text(row.get("name"))),
            audience=[text for text in map(_text, _list(row.get("audience"))) if text],
        )
        for row in map(_dict, _list(rows))
    ]
    alerts.sort(key=lambda a: a.time.timestamp() if a.time else float("-inf"), reverse=True)
    return RecentAlerts(alerts=alerts)


def _service(body: Any) -> ServiceStatus:
    data = _dict(body)
    status = _text(data.get("service_status"))
    # Real Tesla answers {} for a car that is not in service: that is an answer, not a gap.
    return ServiceStatus(
        in_service=bool(status and status.lower() not in ("not_in_service", "none")),
        status=status,
        estimated_completion=_datetime(data.get("service_etc")),
        visit_number=_text(data.get("service_visit_number")),
    )


def _warranty(body: Any, units: _Units, odometer_miles: float | None, today: date) -> Warranty:
    data = _dict(body)
    groups: tuple[tuple[CoverageState, str], ...] = (
        ("active", "activeWarranty"),
        ("upcoming", "upcomingWarranty"),
        ("expired", "expiredWarranty"),
    )
    if not any(isinstance(data.get(key), list) for _, key in groups):
        raise _empty("Tesla returned no warranty details.")
    coverages: list[WarrantyCoverage] = []
    for state, key in groups:
        for row in map(_dict, _list(data.get(key))):
            expires = _date(row.get("expirationDate"))
            limit_unit = _text(row.get("odometerUnit"))
            limit = units.distance_from(_number(row.get("expirationOdometer")), limit_unit)
            odometer = units.distance_from_miles(odometer_miles, digits=0)
            active = state == "active"
            coverages.append(
                WarrantyCoverage(
                    type=_text(row.get("warrantyType")),
                    name=_text(row.get("warrantyDisplayName")),
                    state=state,
                    expires_on=expires,
                    expiration_distance=limit,
                    expired_on=_date(row.get("warrantyExpiredOn")),
                    coverage_years=_int(row.get("coverageAgeInYears")),
                    days_left=max((expires - today).days, 0) if active and expires else None,
                    distance_left=Quantity(
                        value=max(limit.value - odometer.value, 0.0), unit=limit.unit
                    )
                    if active and limit and odometer
                    else None,
                )
            )
    return Warranty(coverages=coverages)


def _release_notes(body: Any) -> ReleaseNotes:
    rows = body.get("release_notes") if isinstance(body, Mapping) else body
    if rows is None:
        raise _empty("Tesla returned no release notes.")
    return ReleaseNotes(
        notes=[
            ReleaseNote(
                title=_text(row.get("title")),
                subtitle=_text(row.get("subtitle")),
                description=_text(row.get("description")),
                version=_text(row.get("customer_version")),
            )
            for row in map(_dict, _list(rows))
        ]
    )


def _options(body: Any) -> FactoryOptions:
    rows = _list(body.get("codes") if isinstance(body, Mapping) else body)
    if not rows:
        raise _empty("Tesla returned no option codes.")
    return FactoryOptions(
        options=[
            FactoryOption(
                code=_text(row.get("code")),
                display_name=_text(row.get("displayName")),
                active=_bool(row.get("isActive")),
            )
            for row in map(_dict, rows)
        ]
    )


_SPECS_KNOWN = {
    "vin",
    "make",
    "model",
    "model_year",
    "trim",
    "trim_code",
    "car_type",
    "drive_type",
    "factory",
    "battery",
    "charging",
    "performance",
    "curb_weight_kg",
    "option_codes",
}


def _specs(body: Any, units: _Units, vin: str) -> VehicleSpecs:
    data = _dict(body)
    if not data:
        raise _empty("Tesla returned no vehicle specs.")
    battery = _dict(data.get("battery"))
    charging = _dict(data.get("charging"))
    performance = _dict(data.get("performance"))
    top_speed_kmh = _number(performance.get("top_speed_kmh"))
    other: dict[str, str] = {}
    for key, value in data.items():
        if key in _SPECS_KNOWN or isinstance(value, Mapping | list):
            continue
        text = _text(value)
        if text is not None:
            # Never let the full VIN slip into the report through an unknown field.
            other[key] = re.sub(re.escape(vin), mask_vin(vin), text, flags=re.I) if vin else text
    return VehicleSpecs(
        trim=_text(data.get("trim")),
        trim_code=_text(data.get("trim_code")),
        drive_type=_text(data.get("drive_type")),
        factory=_text(data.get("factory")),
        battery_chemistry=_text(battery.get("chemistry")),
        nominal_capacity_kwh=_number(battery.get("nominal_capacity_kwh")),
        usable_capacity_kwh=_number(battery.get("usable_capacity_kwh")),
        max_dc_power_kw=_number(charging.get("max_dc_power_kw")),
        max_ac_power_kw=_number(charging.get("max_ac_power_kw")),
        charge_port=_text(charging.get("charge_port")),
        power_kw=_number(performance.get("power_kw")),
        acceleration_0_100_s=_number(performance.get("acceleration_0_100_kmh_s")),
        top_speed=units.speed_from_mph(top_speed_kmh / KM_PER_MILE)
        if top_speed_kmh is not None
        else None,
        range_wltp=units.distance_from(_number(performance.get("range_wltp_km")), "KM"),
        range_epa=units.distance_from(_number(performance.get("range_epa_mi")), "MI"),
        curb_weight_kg=_number(data.get("curb_weight_kg")),
        other=other,
    )
