"""The vehicle report: what one paid car's report holds, normalised from Tesla's raw responses.

One ``VehicleReport`` per car and order. It is built by ``shared.reports.normalise.build_report``
from exactly the package's Tesla modules, serialised as JSON for the web app and rendered to PDF
by ``shared.reports.pdf.render_pdf``.

Conventions every field follows:

* ``None`` means "not available": Tesla did not return the value. Why is told by the owning
  module's entry in ``VehicleReport.modules`` (``missing`` = not in the package, ``unavailable`` =
  Tesla returned nothing, ``failed`` = the call failed, with a reason).
* Measurements are ``Quantity`` values already converted into the units the car's owner chose in
  the car (``gui_settings``); ``region_context`` says which units those are.
* Money is ``Decimal`` with an ISO 4217 currency code, never a float.
* VINs appear only masked (last four characters hidden).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.product.catalog import PACKAGE_MODULES, Package, TeslaModule
from shared.product.languages import ReportLanguage

SCHEMA_VERSION = 1

# The packages, the Tesla modules and which modules each package buys are the catalogue's
# (shared/product/catalog.py). The modules of the largest package, in order, are the report's
# sections.
ALL_MODULES: tuple[TeslaModule, ...] = PACKAGE_MODULES[Package.EXPERT]

DistanceUnit = Literal["km", "mi"]
TemperatureUnit = Literal["C", "F"]
PressureUnit = Literal["bar", "psi", "kPa"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModuleOutcome(StrEnum):
    """What became of one Tesla module for this car."""

    OK = "ok"  # Tesla answered and the data is in the report
    MISSING = "missing"  # not part of the purchased package, so never fetched
    UNAVAILABLE = "unavailable"  # Tesla answered with nothing (asleep car, empty body)
    FAILED = "failed"  # the call failed; `reason` says why


class ReportStatus(StrEnum):
    """Overall state of the report, judged on the package's modules only."""

    COMPLETE = "complete"  # every module of the package is ok
    PARTIAL = "partial"  # some modules ok, some unavailable or failed
    FAILED = "failed"  # no module of the package is ok


class Quantity(_Model):
    """A measured value with its unit, already in the reader's units."""

    value: float = Field(description="The number, rounded to a sensible precision.")
    unit: str = Field(description="Unit symbol: km, mi, C, F, bar, psi, kPa, km/h, mph, kWh, kW…")


class Money(_Model):
    """An amount of money in one currency."""

    amount: Decimal = Field(description="Exact decimal amount, e.g. 12.34.")
    currency: str = Field(description="ISO 4217 currency code, e.g. EUR.")


class ModuleStatus(_Model):
    """The outcome of one module, so that a partial report explains itself."""

    module: TeslaModule
    outcome: ModuleOutcome
    reason: str | None = Field(
        default=None,
        description="Why the module is not ok, or what an ok module lacks; plain English.",
    )
    missing_sections: list[str] = Field(
        default_factory=list,
        description="For vehicle_data: the sections Tesla left out (e.g. drive_state).",
    )


class RegionContext(_Model):
    """How values are shown to this reader: units from the car, language and locale."""

    language: ReportLanguage = Field(
        description="Report language actually used (en, fi, sv, no, da, …)."
    )
    requested_language: str = Field(description="Language asked for; differs on fallback.")
    locale: str = Field(description="Babel locale for numbers and dates, e.g. fi_FI, nb_NO.")
    distance_unit: DistanceUnit
    temperature_unit: TemperatureUnit
    pressure_unit: PressureUnit
    uses_24_hour_time: bool = Field(description="From gui_24_hour_time, else the locale's habit.")
    units_source: Literal["gui_settings", "region_default"] = Field(
        description="gui_settings when the car told us its display units, else a default."
    )
    currency: str | None = Field(
        description="Main currency of the report: the most used charging currency, else the "
        "region's usual one. Per-row amounts always carry their own currency."
    )


class VehicleIdentity(_Model):
    """Who the car is. Built from the vehicle list even when vehicle_data failed."""

    make: str = Field(default="Tesla")
    model: str | None = Field(description="Model 3, Model Y, … from car_type, else VIN pos 4.")
    model_year: int | None = Field(description="Model year decoded from VIN position 10.")
    vin_masked: str = Field(description="VIN with the last four characters replaced by *.")
    display_name: str | None = Field(description="The name the owner gave the car.")
    trim: str | None = Field(description="Trim from the $MT option, else from trim_badging.")
    drivetrain: Literal["AWD", "RWD"] | None = Field(description="All- or rear-wheel drive.")
    factory: str | None = Field(description="Assembly plant decoded from the VIN (best effort).")
    car_type: str | None = Field(description="Tesla's vehicle_config.car_type, e.g. model3.")
    state: str | None = Field(description="online / asleep / offline when the list was read.")
    access_type: str | None = Field(description="OWNER or DRIVER access of the connected account.")


class Inconsistency(_Model):
    """A figure the report derived but does not print: it lies outside what the car's model can
    physically do (bounds in shared/reports/plausibility.py), so the car's data is inconsistent.
    The figure itself is None in the report; this says which inputs it came from."""

    figure: str = Field(
        description="consumption, usable_capacity, full_charge_range, health, charger_power "
        "or price_per_kwh."
    )
    value: float = Field(description="The impossible value, in the unit of the bounds.")
    unit: str
    low: float = Field(description="Lowest plausible value for this model.")
    high: float = Field(description="Highest plausible value for this model.")
    inputs: dict[str, Quantity] = Field(
        description="The car's values the figure came from, by report label key "
        "(lifetime_energy, odometer, …)."
    )


HealthVerdict = Literal["better", "typical", "worse", "inconclusive"]


class HealthEstimate(_Model):
    """One of the two independent health estimates (shared/reports/battery_health.py)."""

    kind: Literal["capacity", "range"] = Field(
        description="capacity: energy remaining ÷ usable level against the usable capacity new; "
        "range: rated range ÷ usable level against the rated range new (EPA or WLTP)."
    )
    measured: Quantity = Field(description="Capacity now (kWh) or rated range at 100 %.")
    reference: Quantity = Field(description="The same figure when new, in the same unit.")
    health_pct: float
    low_pct: float = Field(description="Lower edge of the band (rounding, BMS, reference).")
    high_pct: float
    inputs: dict[str, Quantity] = Field(description="The car's values it came from.")


class BatteryHealth(_Model):
    """Battery health from one snapshot, with its band and method; never a certificate.

    Every report with charge_state has one: when no estimate could be made, ``missing`` says
    exactly what the car's data lacked (codes in docs/battery-health.md)."""

    estimated_usable_capacity_kwh: float | None = Field(
        description="energy_remaining ÷ usable_battery_level × 100."
    )
    reference_capacity_kwh: float | None = Field(
        description="Usable capacity when new: the car's specs (Expert), else the pack "
        "reference table."
    )
    health_pct: float | None = Field(
        description="Both estimates reconciled (inverse-variance weights), when any is possible."
    )
    full_charge_range: Quantity | None = Field(
        description="Rated range extrapolated to 100 % (battery_range ÷ usable level × 100)."
    )
    sample_count: int = Field(description="Snapshots the estimate rests on (one per report).")
    method: str = Field(description="Short machine code of the method used.")
    health_low_pct: float | None = Field(default=None, description="Lower edge of the band.")
    health_high_pct: float | None = Field(default=None, description="Upper edge of the band.")
    reference_range: Quantity | None = Field(
        default=None,
        description="Rated range when new for the car's market: EPA (mi) or WLTP (km).",
    )
    reference_origin: Literal["reference_table", "vehicle_specs"] | None = Field(
        default=None, description="Where the figures when new come from."
    )
    reference_label: str | None = Field(
        default=None, description="The pack the reference table identified, e.g. Long Range AWD."
    )
    reference_verified: bool | None = Field(
        default=None, description="False when the table's row is UNVERIFIED (see docs)."
    )
    reference_sources: list[str] = Field(default_factory=list, description="Source URLs.")
    estimates: list[HealthEstimate] = Field(default_factory=list)
    estimates_agree: bool | None = Field(
        default=None, description="Whether the two bands overlap; None with one estimate."
    )
    typical_health_pct: float | None = Field(
        default=None, description="Typical health for the car's age and mileage."
    )
    age_years: float | None = Field(
        default=None, description="Age assumed from the model year (VIN position 10)."
    )
    verdict: HealthVerdict | None = Field(
        default=None,
        description="better / typical / worse than typical for its age and mileage, or "
        "inconclusive when the band is too wide; None without a typical figure.",
    )
    missing: list[str] = Field(
        default_factory=list,
        description="Why an estimate is missing: usable_level, level_too_low, "
        "energy_remaining, rated_range, model, model_year, trim_badging, reference, "
        "reference_capacity, reference_range_epa, "
        "reference_range_wltp, market, inconsistent.",
    )


class BatteryAndCharging(_Model):
    """charge_state: battery level, range, limit and what the charger is doing."""

    battery_level_pct: int | None
    usable_battery_level_pct: int | None
    charge_limit_pct: int | None
    charge_limit_standard_pct: int | None = Field(description="Tesla's suggested daily limit.")
    rated_range: Quantity | None = Field(description="battery_range in the reader's units.")
    estimated_range: Quantity | None = Field(description="est_battery_range (recent driving).")
    charging_state: str | None = Field(description="Disconnected, Charging, Stopped, Complete…")
    charger_power_kw: float | None
    charge_rate: Quantity | None = Field(description="Range added per hour while charging.")
    minutes_to_full_charge: int | None
    charge_energy_added_kwh: float | None = Field(description="Energy added in the last session.")
    charge_port_door_open: bool | None
    charge_port_latch: str | None
    energy_remaining_kwh: float | None
    lifetime_energy_used_kwh: float | None
    lifetime_consumption: Quantity | None = Field(
        description="lifetime_energy_used ÷ odometer, in Wh/km or Wh/mi."
    )
    battery_temp_min: Quantity | None = Field(description="Coldest battery module.")
    battery_temp_max: Quantity | None = Field(description="Warmest battery module.")
    health: BatteryHealth | None
    inconsistent: list[Inconsistency] = Field(
        default_factory=list,
        description="Derived figures left out (None above) because they are physically "
        "impossible for the model.",
    )


class Software(_Model):
    """Firmware installed and any pending update (vehicle_state.car_version, software_update)."""

    version: str | None = Field(description="Installed version, e.g. 2026.32.8.")
    build: str | None = Field(description="Build hash after the version, if any.")
    update_available: bool | None
    update_status: str | None = Field(
        description="Tesla's status: available, scheduled, downloading…"
    )
    update_version: str | None
    update_download_pct: int | None
    update_expected_minutes: int | None


class Climate(_Model):
    """climate_state: temperatures and comfort systems at the time of the report."""

    inside_temp: Quantity | None
    outside_temp: Quantity | None
    driver_setting: Quantity | None
    passenger_setting: Quantity | None
    is_climate_on: bool | None
    is_preconditioning: bool | None
    cabin_overheat_protection: str | None
    battery_heater_on: bool | None


TyrePosition = Literal["front_left", "front_right", "rear_left", "rear_right"]


class TyrePressure(_Model):
    """One tyre: pressure in the reader's unit and Tesla's warnings."""

    position: TyrePosition
    pressure: Quantity | None
    soft_warning: bool | None = Field(description="Tesla's low-pressure advisory.")
    hard_warning: bool | None = Field(description="Tesla's urgent pressure warning.")
    last_seen: datetime | None = Field(description="When the sensor last reported.")


class Tyres(_Model):
    """vehicle_state.tpms_*: four pressures and the recommended cold pressures."""

    tyres: list[TyrePressure]
    recommended_front: Quantity | None
    recommended_rear: Quantity | None
    any_warning: bool = Field(description="True if any tyre has a soft or hard warning.")


class Configuration(_Model):
    """vehicle_config: how the car was built."""

    exterior_color: str | None
    wheel_type: str | None
    interior_trim: str | None
    drivetrain: Literal["AWD", "RWD"] | None
    charge_port_type: str | None = Field(description="CCS, US (NACS), GB, …")
    driver_assist: str | None = Field(description="Autopilot hardware, e.g. TeslaAP4.")
    trim_badging: str | None
    performance_package: str | None
    right_hand_drive: bool | None
    eu_vehicle: bool | None
    has_air_suspension: bool | None
    has_seat_cooling: bool | None
    third_row_seats: str | None


class Security(_Model):
    """vehicle_state: locks, Sentry, valet and open doors or trunks."""

    locked: bool | None
    sentry_mode: bool | None
    sentry_mode_available: bool | None
    valet_mode: bool | None
    open_closures: list[str] | None = Field(
        description="Doors, trunks and windows reported open (empty = all closed)."
    )


class Dashcam(_Model):
    state: str | None = Field(description="Recording, Unavailable, …")
    clip_save_available: bool | None


class DriveSnapshot(_Model):
    """drive_state without location: real Tesla often omits the whole section (see modules)."""

    shift_state: str | None
    speed: Quantity | None
    power_kw: float | None


class ChargingSession(_Model):
    """One Supercharger session from charging/history."""

    session_id: int | None
    started_at: datetime | None = Field(description="Start in the site's local time.")
    stopped_at: datetime | None
    duration_minutes: int | None
    site_name: str | None
    country_code: str | None
    energy_kwh: Decimal | None = Field(description="Σ usageBase of CHARGING fees in kWh.")
    charging_cost: list[Money] = Field(description="Σ net due of CHARGING fees, per currency.")
    idle_fees: list[Money] = Field(description="Σ net due of CONGESTION fees, per currency.")
    total_cost: list[Money] = Field(description="Σ net due of every fee, per currency.")
    free: bool = Field(description="True when every fee was NO_CHARGE (free Supercharging).")
    invoice_count: int


class MonthlyCharging(_Model):
    """Charging grouped by the calendar month of the session start (site local time)."""

    month: str = Field(description="YYYY-MM.")
    session_count: int
    energy_kwh: Decimal
    total_cost: list[Money]


class ChargingHistory(_Model):
    """This car's Supercharger sessions only (the account-level history is split by VIN)."""

    session_count: int
    total_energy_kwh: Decimal
    total_cost: list[Money] = Field(description="Totals per currency, every fee included.")
    idle_fees: list[Money]
    average_price_per_kwh: list[Money] = Field(
        description="Charging fees ÷ energy, per currency (sessions paid in that currency)."
    )
    free_session_count: int
    first_session_at: datetime | None
    last_session_at: datetime | None
    monthly: list[MonthlyCharging] = Field(description="Oldest month first.")
    sessions: list[ChargingSession] = Field(description="Newest session first.")
    inconsistent: list[Inconsistency] = Field(
        default_factory=list,
        description="Average prices left out of average_price_per_kwh as impossible.",
    )


class Alert(_Model):
    name: str | None = Field(description="Tesla's alert code, e.g. BMS_a066_SW_Low_Soc.")
    time: datetime | None
    text: str | None = Field(description="user_text, else a readable form of the name.")
    audience: list[str]


class RecentAlerts(_Model):
    alerts: list[Alert] = Field(description="Newest first.")


class ServiceStatus(_Model):
    """service_data: an empty answer means the car is not in service (observed on real cars)."""

    in_service: bool
    status: str | None
    estimated_completion: datetime | None
    visit_number: str | None


CoverageState = Literal["active", "upcoming", "expired"]


class WarrantyCoverage(_Model):
    type: str | None = Field(description="Tesla's code, e.g. BATTERY_WARRANTY.")
    name: str | None = Field(description="Tesla's display name.")
    state: CoverageState
    expires_on: date | None
    expiration_distance: Quantity | None = Field(description="In the reader's distance unit.")
    expired_on: date | None
    coverage_years: int | None
    days_left: int | None = Field(description="Days from report date to expiry (active only).")
    distance_left: Quantity | None = Field(description="Limit minus odometer (active only).")


class Warranty(_Model):
    coverages: list[WarrantyCoverage] = Field(description="Active, then upcoming, then expired.")


class ReleaseNote(_Model):
    title: str | None
    subtitle: str | None
    description: str | None
    version: str | None


class ReleaseNotes(_Model):
    notes: list[ReleaseNote]


class FactoryOption(_Model):
    code: str | None = Field(description="Tesla option code, e.g. $MT352.")
    display_name: str | None
    active: bool | None


class FactoryOptions(_Model):
    options: list[FactoryOption]


class VehicleSpecs(_Model):
    """vehicle_specs (Expert): the car as sold. Tesla's shape is unverified, so known keys are
    mapped and any other plain value is kept in ``other``."""

    trim: str | None
    trim_code: str | None
    drive_type: str | None
    factory: str | None
    battery_chemistry: str | None
    nominal_capacity_kwh: float | None
    usable_capacity_kwh: float | None
    max_dc_power_kw: float | None
    max_ac_power_kw: float | None
    charge_port: str | None
    power_kw: float | None
    acceleration_0_100_s: float | None
    top_speed: Quantity | None
    range_wltp: Quantity | None
    range_epa: Quantity | None
    curb_weight_kg: float | None
    other: dict[str, str] = Field(description="Further scalar fields, as Tesla named them.")


class RejectedValue(_Model):
    """A raw value Tesla sent that no car can have (an odometer of 1e300 miles): left out of the
    report, where it reads "not available", and named here with what was possible."""

    field: str = Field(description="Tesla's section and key, e.g. vehicle_state.odometer.")
    sent: str = Field(description="The value as sent (shortened).")
    low: float = Field(description="Lowest possible value, in Tesla's unit.")
    high: float
    unit: str = Field(description="Tesla's unit of the field (mi, °C, bar, %, kWh, kW, mph).")


class VehicleReport(_Model):
    """The report of one car for one order."""

    schema_version: int = SCHEMA_VERSION
    status: ReportStatus
    generated_at: datetime
    package: Package
    language: ReportLanguage = Field(description="Language of the report (after English fallback).")
    region_context: RegionContext
    modules: list[ModuleStatus] = Field(description="One entry per module of ALL_MODULES.")

    identity: VehicleIdentity
    odometer: Quantity | None
    battery: BatteryAndCharging | None
    software: Software | None
    climate: Climate | None
    tyres: Tyres | None
    configuration: Configuration | None
    security: Security | None
    dashcam: Dashcam | None
    drive: DriveSnapshot | None
    data_as_of: datetime | None = Field(description="Tesla's timestamp of the vehicle_data read.")

    charging_history: ChargingHistory | None
    recent_alerts: RecentAlerts | None
    service: ServiceStatus | None
    warranty: Warranty | None
    release_notes: ReleaseNotes | None
    options: FactoryOptions | None
    specs: VehicleSpecs | None
    rejected_values: list[RejectedValue] = Field(
        default_factory=list,
        description="vehicle_data values outside what any car can show, left out (see "
        "docs/report-figures.md).",
    )

    def module(self, name: TeslaModule) -> ModuleStatus:
        """The status entry of one module."""
        return next(status for status in self.modules if status.module == name)

    def in_package(self, name: TeslaModule) -> bool:
        return name in PACKAGE_MODULES[self.package]
