"""Demo accounts and their cars, plus the deterministic history Tesla would hold for them.

Everything here is derived from a seed and the fixed ``data_anchor`` date, so two simulators
built from the same config serve byte-identical history (tests can assert on it). Live values in
vehicle_data (timestamps) follow the simulated clock instead.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .catalog import (
    ALERT_CATALOG,
    AUTOPILOT,
    EU_SITES,
    INTERIORS,
    NA_SITES,
    PAINTS,
    RELEASE_NOTE_CATALOG,
    SUPERCHARGING,
    TRIMS,
    WHEELS,
    ChargingSite,
    Option,
    Trim,
)
from .vin import model_year, with_check_digit

KM_PER_MILE = 1.609344


@dataclass(frozen=True)
class VehicleSpec:
    vin: str
    id: int
    vehicle_id: int
    display_name: str
    trim: Trim
    paint: Option
    wheels: Option
    interior: Option
    autopilot: Option
    supercharging: Option
    initial_state: str  # online | asleep | offline
    in_service: bool
    delivered_on: date
    odometer_mi: float  # at the data anchor
    degradation_pct: float
    firmware: str
    pending_update: str | None
    region: str
    sessions_per_month: int
    alert_count: int
    release_note_count: int

    @property
    def model_year(self) -> int:
        return model_year(self.vin)

    @property
    def usable_kwh_now(self) -> float:
        return round(self.trim.usable_kwh_new * (1 - self.degradation_pct / 100), 2)

    @property
    def rated_range_now_mi(self) -> float:
        """Rated range at 100 % today, in miles as the API sends it. Tesla's rated range follows
        the market's regulatory test: EPA for a North-American car, WLTP for a European one."""
        new_mi = (
            self.trim.rated_range_mi
            if self.region == "na"
            else self.trim.wltp_range_km / KM_PER_MILE
        )
        return new_mi * (1 - self.degradation_pct / 100)


@dataclass(frozen=True)
class AccountSpec:
    name: str  # the login hint
    email: str
    full_name: str
    region: str
    user_uuid: str
    user_id: int
    vehicles: tuple[VehicleSpec, ...]


@dataclass(frozen=True)
class _CarRow:
    vin_template: str
    display_name: str
    trim: str
    paint: str
    wheels: str
    interior: str
    autopilot: str
    state: str
    delivered_on: date
    in_service: bool = False
    supercharging: str = "$SC04"
    pending_update: str | None = None
    fade: float = 1.0  # how much faster than typical this pack fades (a hard-worked car > 1)


# (login hint, full name, region, cars). VIN position 9 ("?") gets the computed check digit.
_ACCOUNT_ROWS: tuple[tuple[str, str, str, tuple[_CarRow, ...]], ...] = (
    ("empty", "Erkki Empty", "eu", ()),
    (
        "solo",
        "Sanna Solo",
        "eu",
        (
            _CarRow(
                vin_template="LRW3E7EK?RC412733",
                display_name="JT3",
                trim="m3_lr_2024",
                paint="$PPSB",
                wheels="$W38A",
                interior="$IPB3",
                autopilot="$APBS",
                state="online",
                delivered_on=date(2024, 3, 14),
                pending_update="2026.38.4",
            ),
        ),
    ),
    (
        "family",
        "Fredrik Family",
        "eu",
        (
            _CarRow(
                vin_template="LRW3E7FA?NC208561",
                display_name="Family 3",
                trim="m3_rwd_2022",
                paint="$PPSW",
                wheels="$W40B",
                interior="$IPB0",
                autopilot="$APBS",
                state="online",
                delivered_on=date(2022, 5, 20),
            ),
            _CarRow(
                vin_template="XP7YGCEL?PB109274",
                display_name="Family Y",
                trim="my_lr_2023",
                paint="$PMNG",
                wheels="$WY19B",
                interior="$IPW1",
                autopilot="$APPB",
                state="asleep",
                delivered_on=date(2023, 4, 2),
            ),
        ),
    ),
    (
        "fleet",
        "Fleet Oy (Fiona Fleet)",
        "eu",
        (
            _CarRow(
                vin_template="5YJ3E7EA?KF317702",
                display_name="Fleet 01",
                trim="m3_sr_2019",
                paint="$PBSB",
                wheels="$W40B",
                interior="$IPB0",
                autopilot="$APBS",
                state="online",
                delivered_on=date(2019, 4, 11),
                fade=2.7,  # a former taxi, Supercharged daily: worse than typical
            ),
            _CarRow(
                vin_template="LRW3E7EB?MC042518",
                display_name="Fleet 02",
                trim="m3_lr_2021",
                paint="$PPSW",
                wheels="$W40B",
                interior="$IPB1",
                autopilot="$APBS",
                state="online",
                delivered_on=date(2021, 6, 28),
            ),
            _CarRow(
                vin_template="LRW3E7FA?PC633190",
                display_name="Fleet 03",
                trim="m3_rwd_2022",
                paint="$PMNG",
                wheels="$W40B",
                interior="$IPB0",
                autopilot="$APBS",
                state="asleep",
                delivered_on=date(2023, 2, 16),
            ),
            _CarRow(
                vin_template="LRW3E7ET?SC718844",
                display_name="Fleet 04",
                trim="m3_lr_2025",
                paint="$PN01",
                wheels="$W38A",
                interior="$IPB3",
                autopilot="$APBS",
                state="online",
                delivered_on=date(2025, 1, 30),
            ),
            _CarRow(
                vin_template="LRWYGCEK?NC377015",
                display_name="Fleet 05",
                trim="my_lr_2022",
                paint="$PPSW",
                wheels="$WY19B",
                interior="$IPB0",
                autopilot="$APBS",
                state="asleep",
                delivered_on=date(2022, 1, 19),
            ),
            _CarRow(
                vin_template="XP7YGCEJ?PB221460",
                display_name="Fleet 06",
                trim="my_p_2023",
                paint="$PR01",
                wheels="$WY21P",
                interior="$IPB0",
                autopilot="$APF2",
                state="online",
                delivered_on=date(2023, 6, 9),
            ),
            _CarRow(
                vin_template="XP7YGCFS?RB540127",
                display_name="Fleet 07",
                trim="my_rwd_2024",
                paint="$PBSB",
                wheels="$WY19B",
                interior="$IPB0",
                autopilot="$APBS",
                state="asleep",
                delivered_on=date(2024, 2, 22),
            ),
            _CarRow(
                vin_template="XP7YGCEL?TB008391",
                display_name="Fleet 08",
                trim="my_lr_2026",
                paint="$PN00",
                wheels="$WX00",
                interior="$IPB0",
                autopilot="$APBS",
                state="online",
                delivered_on=date(2026, 3, 5),
            ),
            _CarRow(
                vin_template="5YJSA7E2?MF433901",
                display_name="Fleet 09",
                trim="ms_lr_2021",
                paint="$PPSB",
                wheels="$WS90",
                interior="$IBC00",
                autopilot="$APPB",
                state="asleep",
                delivered_on=date(2021, 9, 1),
            ),
            _CarRow(
                vin_template="5YJSA7E6?PF512366",
                display_name="Fleet 10",
                trim="ms_plaid_2023",
                paint="$PMNG",
                wheels="$WS10",
                interior="$IPB0",
                autopilot="$APF2",
                state="offline",
                delivered_on=date(2023, 3, 17),
            ),
            _CarRow(
                vin_template="5YJXCCE4?LF250693",
                display_name="Fleet 11",
                trim="mx_lr_2020",
                paint="$PPMR",
                wheels="$WX00",
                interior="$IPW1",
                autopilot="$APPB",
                state="offline",
                delivered_on=date(2020, 7, 8),
                supercharging="$SC01",
            ),
            _CarRow(
                vin_template="7SAXCBE6?NF348172",
                display_name="Fleet 12",
                trim="mx_plaid_2022",
                paint="$PPSW",
                wheels="$WX00",
                interior="$IPB0",
                autopilot="$APF2",
                state="asleep",
                delivered_on=date(2022, 8, 25),
                in_service=True,
            ),
        ),
    ),
    (
        "na",
        "Nora North-America",
        "na",
        (
            _CarRow(
                vin_template="7SAYGDEE?PA115204",
                display_name="Blue Yonder",
                trim="my_lr_2023_na",
                paint="$PPSB",
                wheels="$WY19B",
                interior="$IPB0",
                autopilot="$APBS",
                state="online",
                delivered_on=date(2023, 5, 12),
            ),
            _CarRow(
                vin_template="5YJSA1E5?NF470318",
                display_name="Silver S",
                trim="ms_lr_2021",
                paint="$PMNG",
                wheels="$WS90",
                interior="$IPB0",
                autopilot="$APPB",
                state="asleep",
                delivered_on=date(2022, 2, 3),
            ),
        ),
    ),
)


def _rng(seed: int, *parts: object) -> random.Random:
    """A private random stream per (seed, purpose, item): stable across runs and Python versions."""
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _firmware_for(delivered_on: date, rng: random.Random) -> str:
    # Cars on the latest-but-one release; older cars lag a little.
    major = 2026
    minor = rng.choice([26, 32, 32, 32, 38]) if delivered_on.year >= 2021 else rng.choice([20, 26])
    return f"{major}.{minor}.{rng.randint(1, 9)} {rng.getrandbits(48):012x}"


def build_accounts(seed: int, anchor: datetime) -> dict[str, AccountSpec]:
    accounts: dict[str, AccountSpec] = {}
    for account_index, (name, full_name, region, rows) in enumerate(_ACCOUNT_ROWS):
        vehicles = tuple(
            _build_vehicle(seed, anchor, region, account_index, car_index, row)
            for car_index, row in enumerate(rows)
        )
        accounts[name] = AccountSpec(
            name=name,
            email=f"{name}@demo.carpulsetracker.test",
            full_name=full_name,
            region=region,
            user_uuid=str(
                uuid.UUID(
                    bytes=hashlib.sha256(f"{seed}:user:{name}".encode()).digest()[:16], version=4
                )
            ),
            user_id=800_001 + account_index,
            vehicles=vehicles,
        )
    return accounts


def _build_vehicle(
    seed: int, anchor: datetime, region: str, account_index: int, car_index: int, row: _CarRow
) -> VehicleSpec:
    vin = with_check_digit(row.vin_template)
    rng = _rng(seed, "vehicle", vin)
    age_years = max(0.1, (anchor.date() - row.delivered_on).days / 365.25)
    odometer_mi = round(
        age_years
        * rng.uniform(8_500, 14_500)
        * (1.4 if row.display_name.startswith("Fleet") else 1),
        6,
    )
    # Typical fade: ~2 % in the first year, then ~1 %/year, plus per-pack variation.
    degradation = round(
        (min(age_years, 1) * 2.2 + max(age_years - 1, 0) * 1.1) * row.fade + rng.uniform(-0.6, 1.4),
        1,
    )
    firmware = _firmware_for(row.delivered_on, rng)
    return VehicleSpec(
        vin=vin,
        id=3_744_180_000_000_000
        + account_index * 1_000_000
        + car_index * 7_919
        + rng.randrange(1000),
        vehicle_id=1_349_000_000 + account_index * 10_000 + car_index * 113,
        display_name=row.display_name,
        trim=TRIMS[row.trim],
        paint=PAINTS[row.paint],
        wheels=WHEELS[row.wheels],
        interior=INTERIORS[row.interior],
        autopilot=AUTOPILOT[row.autopilot],
        supercharging=SUPERCHARGING[row.supercharging],
        initial_state=row.state,
        in_service=row.in_service,
        delivered_on=row.delivered_on,
        odometer_mi=odometer_mi,
        degradation_pct=max(0.0, degradation),
        firmware=firmware,
        pending_update=row.pending_update,
        region=region,
        sessions_per_month=rng.randint(2, 6) if region == "eu" else rng.randint(1, 4),
        alert_count=12 if row.display_name == "JT3" else rng.randint(0, 9),
        release_note_count=14 if row.display_name == "JT3" else rng.randint(5, 12),
    )


# ------------------------------------------------------------------------------------------------
# History served by the dx and vehicle endpoints
# ------------------------------------------------------------------------------------------------

_MONEY = Decimal("0.01")


def _money(value: Decimal) -> float:
    return float(value.quantize(_MONEY, rounding=ROUND_HALF_UP))


def _local_iso(moment: datetime, timezone_name: str) -> str:
    return moment.astimezone(ZoneInfo(timezone_name)).isoformat(timespec="seconds")


def _fee(
    fee_id: int,
    fee_type: str,
    currency: str,
    pricing_type: str,
    rate: Decimal,
    usage: Decimal,
    uom: str,
) -> dict[str, Any]:
    total = rate * usage
    return {
        "sessionFeeId": fee_id,
        "feeType": fee_type,
        "currencyCode": currency,
        "pricingType": pricing_type,
        "rateBase": _money(rate),
        "rateTier1": 0,
        "rateTier2": 0,
        "rateTier3": None,
        "rateTier4": None,
        "usageBase": float(usage),
        "usageTier1": 0,
        "usageTier2": 0,
        "usageTier3": None,
        "usageTier4": None,
        "totalBase": _money(total),
        "totalTier1": 0,
        "totalTier2": 0,
        "totalTier3": 0,
        "totalTier4": 0,
        "totalDue": _money(total),
        "netDue": _money(total),
        "uom": uom,
        "isPaid": True,
        "status": "PAID",
    }


def build_charging_sessions(
    seed: int, anchor: datetime, account: AccountSpec, months: int = 8
) -> list[dict[str, Any]]:
    """Supercharger sessions of the whole account (each row names its VIN), oldest first."""
    raw: list[tuple[datetime, VehicleSpec, ChargingSite, random.Random]] = []
    sites = EU_SITES if account.region == "eu" else NA_SITES
    window_start = anchor - timedelta(days=30 * months)
    for vehicle in account.vehicles:
        rng = _rng(seed, "sessions", vehicle.vin)
        first_day = max(
            window_start, datetime.combine(vehicle.delivered_on, datetime.min.time(), UTC)
        )
        span = (anchor - first_day).total_seconds()
        for _ in range(int(vehicle.sessions_per_month * span / (30 * 86400))):
            start = first_day + timedelta(seconds=rng.uniform(0, span))
            # Mostly the home area (first four sites), sometimes a road trip.
            site = rng.choice(sites[:4]) if rng.random() < 0.8 else rng.choice(sites)
            raw.append((start.replace(microsecond=0), vehicle, site, rng))
    raw.sort(key=lambda item: (item[0], item[1].vin))

    sessions: list[dict[str, Any]] = []
    base_id = 31_000_000 + sum(ord(c) for c in account.name) * 1_000
    for number, (start, vehicle, site, rng) in enumerate(raw, start=1):
        session_id = base_id + number
        minutes = rng.randint(12, 48)
        stop = start + timedelta(minutes=minutes)
        idle_minutes = rng.choice([0, 0, 1, 2, 3, 4, 9, 14])
        unlatch = stop + timedelta(minutes=idle_minutes, seconds=rng.randint(5, 55))
        kwh = Decimal(
            str(min(round(minutes * rng.uniform(0.9, 1.6), 0), vehicle.usable_kwh_now * 0.85))
        )
        kwh = kwh.quantize(Decimal("1"))
        free = vehicle.supercharging.config_value == "free"
        fees = [
            _fee(
                session_id * 10 + 1,
                "CHARGING",
                site.currency,
                "NO_CHARGE" if free else "PAYMENT",
                Decimal(0) if free else site.price_per_kwh,
                kwh,
                "kwh",
            ),
            _fee(
                session_id * 10 + 2,
                "PARKING",
                site.currency,
                "NO_CHARGE",
                Decimal(0),
                Decimal(0),
                "min",
            ),
        ]
        if idle_minutes > 5:
            fees.append(
                _fee(
                    session_id * 10 + 3,
                    "CONGESTION",
                    site.currency,
                    "PAYMENT",
                    site.idle_fee_per_min,
                    Decimal(idle_minutes),
                    "min",
                )
            )
        invoice_needed = any(fee["totalDue"] > 0 for fee in fees)
        content_id = str(
            uuid.UUID(
                bytes=hashlib.sha256(f"{seed}:invoice:{session_id}".encode()).digest()[:16],
                version=4,
            )
        )
        sessions.append(
            {
                "sessionId": session_id,
                "vin": vehicle.vin,
                "siteLocationName": site.name,
                "chargeStartDateTime": _local_iso(start, site.timezone),
                "chargeStopDateTime": _local_iso(stop, site.timezone),
                "unlatchDateTime": _local_iso(unlatch, site.timezone),
                "countryCode": site.country_code,
                "fees": fees,
                "billingType": "IMMEDIATE",
                "invoices": [
                    {
                        "fileName": f"{content_id[:8].upper()}-{session_id}-{site.country_code}"
                        ".pdf",
                        "contentId": content_id,
                        "invoiceType": "IMMEDIATE",
                    }
                ]
                if invoice_needed
                else [],
                "vehicleMakeType": "TSLA",
            }
        )
    return sessions


def build_recent_alerts(seed: int, anchor: datetime, vehicle: VehicleSpec) -> list[dict[str, Any]]:
    rng = _rng(seed, "alerts", vehicle.vin)
    alerts = []
    for _ in range(vehicle.alert_count):
        name, audience, text = rng.choice(ALERT_CATALOG)
        moment = anchor - timedelta(seconds=rng.uniform(3600, 60 * 86400))
        alerts.append(
            {
                "name": name,
                "time": moment.isoformat(timespec="milliseconds"),
                "audience": list(audience),
                "user_text": text,
            }
        )
    alerts.sort(key=lambda alert: alert["time"], reverse=True)
    return alerts


def build_release_notes(vehicle: VehicleSpec, image_root: str, staged: bool) -> dict[str, Any]:
    version = vehicle.pending_update if staged else vehicle.firmware.split(" ")[0]
    notes: list[dict[str, Any]] = []
    if version is not None:
        count = 3 if staged else vehicle.release_note_count
        offset = sum(ord(c) for c in vehicle.vin) % len(RELEASE_NOTE_CATALOG)
        for index in range(count):
            title, subtitle, description = RELEASE_NOTE_CATALOG[
                (offset + index) % len(RELEASE_NOTE_CATALOG)
            ]
            slug = title.lower().replace(" ", "_")
            notes.append(
                {
                    "title": title,
                    "subtitle": subtitle,
                    "description": description,
                    "customer_version": version,
                    "icon": "release_notes_icon",
                    "show_in_history": True,
                    "image_url": f"{image_root}/{slug}.png",
                    "light_image_url": f"{image_root}/{slug}_light.png",
                }
            )
    deployed = int(vehicle.firmware.split(" ")[0].replace(".", "")[:8])
    return {
        "release_notes": notes,
        "deployed_version": deployed,
        "staged_version": int(vehicle.pending_update.replace(".", ""))
        if vehicle.pending_update
        else None,
        "release_notes_version": deployed + 7,
    }


def build_warranty(anchor: datetime, vehicle: VehicleSpec) -> dict[str, Any]:
    metric = vehicle.region != "na"
    unit = "KM" if metric else "MI"
    odometer = vehicle.odometer_mi * KM_PER_MILE if metric else vehicle.odometer_mi
    is_sx = vehicle.trim.model in ("Model S", "Model X")
    long_range = vehicle.trim.drive == "AWD"
    battery_limit = (
        (240_000 if is_sx else 192_000 if long_range else 160_000)
        if metric
        else (150_000 if is_sx else 120_000 if long_range else 100_000)
    )
    coverages = (
        ("NEW_MFG_WARRANTY", "Basic Vehicle Limited Warranty", 4, 80_000 if metric else 50_000),
        ("BATTERY_WARRANTY", "Battery Limited Warranty", 8, battery_limit),
        ("DRIVEUNIT_WARRANTY", "Drive Unit Limited Warranty", 8, battery_limit),
    )
    active, expired = [], []
    for warranty_type, display_name, years, distance in coverages:
        expires = datetime(
            vehicle.delivered_on.year + years,
            vehicle.delivered_on.month,
            vehicle.delivered_on.day,
            tzinfo=UTC,
        )
        item: dict[str, Any] = {
            "warrantyType": warranty_type,
            "warrantyDisplayName": display_name,
            "expirationDate": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "expirationOdometer": distance,
            "odometerUnit": unit,
            "warrantyExpiredOn": None,
            "coverageAgeInYears": years,
        }
        if expires <= anchor or odometer >= distance:
            # Expired by distance: estimate the day the odometer crossed the limit.
            ended = (
                expires
                if expires <= anchor
                else anchor
                - timedelta(
                    days=int(
                        (odometer - distance)
                        / max(odometer, 1)
                        * (anchor.date() - vehicle.delivered_on).days
                    )
                )
            )
            item["warrantyExpiredOn"] = ended.strftime("%Y-%m-%dT%H:%M:%SZ")
            expired.append(item)
        else:
            active.append(item)
    return {"activeWarranty": active, "upcomingWarranty": [], "expiredWarranty": expired}


def build_options(vehicle: VehicleSpec) -> dict[str, Any]:
    codes: list[dict[str, Any]] = [
        {
            "code": vehicle.trim.option_code,
            "displayName": vehicle.trim.display_name,
            "isActive": True,
        },
        {
            "code": vehicle.paint.code,
            "colorCode": vehicle.paint.code[1:],
            "displayName": vehicle.paint.display_name,
            "isActive": True,
        },
        {"code": vehicle.wheels.code, "displayName": vehicle.wheels.display_name, "isActive": True},
        {
            "code": vehicle.interior.code,
            "displayName": vehicle.interior.display_name,
            "isActive": True,
        },
        {
            "code": vehicle.autopilot.code,
            "displayName": vehicle.autopilot.display_name,
            "isActive": True,
        },
        {
            "code": vehicle.supercharging.code,
            "displayName": vehicle.supercharging.display_name,
            "isActive": True,
        },
    ]
    return {"codes": codes}


def legacy_option_codes(vehicle: VehicleSpec) -> str | None:
    """The comma list in /vehicles: modern cars send null, older ones a short legacy string."""
    if vehicle.model_year >= 2021:
        return None
    parts = [
        vehicle.trim.option_code,
        vehicle.paint.code,
        vehicle.wheels.code,
        vehicle.interior.code,
        vehicle.autopilot.code,
        vehicle.supercharging.code,
    ]
    return ",".join(code.lstrip("$") for code in parts)


def build_specs(vehicle: VehicleSpec) -> dict[str, Any]:
    """Invented shape for the UNVERIFIED GET /api/1/vehicles/{vin}/specs (no example exists)."""
    trim = vehicle.trim
    return {
        "vin": vehicle.vin,
        "make": "Tesla",
        "model": trim.model,
        "model_year": vehicle.model_year,
        "trim": trim.display_name,
        "trim_code": trim.option_code,
        "car_type": trim.car_type,
        "drive_type": trim.drive,
        "factory": {
            "5YJ": "Fremont",
            "7SA": "Austin" if vehicle.vin[10] == "A" else "Fremont",
            "LRW": "Shanghai",
            "XP7": "Berlin",
        }.get(vehicle.vin[:3], "Unknown"),
        "battery": {
            "chemistry": trim.chemistry,
            "nominal_capacity_kwh": trim.nominal_kwh,
            "usable_capacity_kwh": trim.usable_kwh_new,
        },
        "charging": {
            "max_dc_power_kw": trim.max_dc_kw,
            "max_ac_power_kw": trim.max_ac_kw,
            "charge_port": "CCS2" if vehicle.region == "eu" else "NACS",
        },
        "performance": {
            "power_kw": trim.power_kw,
            "acceleration_0_100_kmh_s": trim.accel_0_100_s,
            "top_speed_kmh": trim.top_speed_kmh,
            "range_wltp_km": trim.wltp_range_km,
            "range_epa_mi": trim.rated_range_mi,
        },
        "curb_weight_kg": trim.curb_weight_kg,
        "exterior_color": vehicle.paint.display_name,
        "interior": vehicle.interior.display_name,
        "wheels": vehicle.wheels.display_name,
        "autopilot": vehicle.autopilot.display_name,
        "option_codes": [code["code"] for code in build_options(vehicle)["codes"]],
    }
