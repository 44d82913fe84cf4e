"""Battery health from one vehicle_data snapshot: two estimates, one figure, a band and a verdict.

Estimate (a), capacity: usable capacity now = ``energy_remaining`` ÷ ``usable_battery_level`` ×
100, against the usable capacity when new. Estimate (b), range: rated range at 100 % =
``battery_range`` ÷ ``usable_battery_level`` × 100, against the rated range when new (EPA for a
North-American car, WLTP for a European one: Tesla's rated range follows the market's
regulatory test). The "when new" figures come from the pack reference table
(``battery_reference``) or, better, from the car's own specs (Expert).

Each estimate gets an honest band: the exact interval the rounding of the car's values allows
(``usable_battery_level`` is a whole per cent, so at 30 % the true level is 29.5–30.5 %: ±1.7 %
of the result), widened in quadrature by the battery management system's own estimation error
and the tolerance of the "when new" figure. The two are reconciled into one figure weighted by
the inverse square of their half-widths; as both come from the same BMS, the band is never
narrower than the narrower of the two, and when they disagree the band spans both.

The verdict compares the band with the typical health for the car's age and mileage
(``typical_health``): a curve through Tesla's published fleet figure (Model S/X packs keep ~88 %
after 200,000 miles, Impact Report 2022) and Geotab's average fade of 1.8–2.3 % a year.
Sources and limits: docs/battery-health.md. Pure: no clock, no randomness, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from .battery_reference import PackRow
from .plausibility import Bounds, ModelBounds

__all__ = [
    "BMS_ERROR_PCT",
    "MIN_LEVEL_PCT",
    "Assessment",
    "Estimate",
    "Problem",
    "Rating",
    "Reading",
    "Verdict",
    "assess",
    "rating_from",
    "typical_health",
]

KM_PER_MILE = 1.609344
MIN_LEVEL_PCT = 10  # below this one snapshot says too little about the whole pack
BMS_ERROR_PCT = 3.0  # a BMS energy estimate between calibrations (TeslaMate/Recurrent: 2–5 %)
RATED_CONSTANT_ERROR_PCT = 3.0  # rated range vs the published rating (wheels, firmware)
SPECS_TOLERANCE_PCT = 1.0  # the car's own specs: only their rounding
TYPICAL_SPREAD_PCT = 4.0  # packs of the same age and mileage differ by about this much
INCONCLUSIVE_WIDTH_PCT = 20.0  # a band wider than this supports no verdict
ENERGY_STEP_KWH = 0.005  # energy_remaining comes with two decimals
RANGE_STEP_MI = 0.005  # battery_range likewise
LEVEL_STEP_PCT = 0.5  # usable_battery_level is a whole per cent

Market = Literal["epa", "wltp"]
Verdict = Literal["better", "typical", "worse", "inconclusive"]
Kind = Literal["capacity", "range"]

# Typical loss by mileage: Tesla's Model S/X fleet (Impact Report 2022: ~12 % after 200,000
# miles) and crowd data for Model 3/Y (<10 % after 100,000 miles, ~15 % after 200,000: Electrek
# via CarBuzz); the early step (~5 % in the first 30,000 miles) is the shape of Tesla's chart.
_LOSS_BY_MILES: tuple[tuple[float, float], ...] = (
    (0.0, 0.0),
    (30_000.0, 5.0),
    (100_000.0, 9.0),
    (200_000.0, 13.5),
    (300_000.0, 17.0),
)
_LOSS_PER_YEAR = 2.0  # Geotab 2024: 1.8 %/year; Geotab 2026: 2.3 %/year (22,700 EVs)


@dataclass(frozen=True)
class Reading:
    """The car's raw values (Tesla's units: kWh, miles, per cent)."""

    usable_level_pct: int | None
    energy_remaining_kwh: float | None
    rated_range_mi: float | None


@dataclass(frozen=True)
class Rating:
    """The car when new: from the reference table or its own specs."""

    origin: Literal["reference_table", "vehicle_specs"]
    label: str | None
    usable_kwh: float | None
    epa_mi: float | None
    wltp_km: float | None
    capacity_tolerance_pct: float
    range_tolerance_pct: float
    verified: bool
    sources: tuple[str, ...] = ()


def rating_from(
    row: PackRow | None,
    *,
    specs_usable_kwh: float | None = None,
    specs_epa_mi: float | None = None,
    specs_wltp_km: float | None = None,
) -> Rating | None:
    """The best "when new" figures: the car's own specs where present, else the table's row."""
    capacity_from_specs = _positive(specs_usable_kwh)
    range_from_specs = _positive(specs_epa_mi) or _positive(specs_wltp_km)
    if row is None and not (capacity_from_specs or range_from_specs):
        return None
    row_tolerance = row.tolerance_pct if row else 0.0
    return Rating(
        origin="vehicle_specs" if capacity_from_specs or range_from_specs else "reference_table",
        label=row.label if row else None,
        usable_kwh=capacity_from_specs or (row.usable_kwh if row else None),
        epa_mi=_positive(specs_epa_mi) or (row.epa_mi if row else None),
        wltp_km=_positive(specs_wltp_km) or (row.wltp_km if row else None),
        capacity_tolerance_pct=SPECS_TOLERANCE_PCT if capacity_from_specs else row_tolerance,
        range_tolerance_pct=SPECS_TOLERANCE_PCT if range_from_specs else row_tolerance,
        verified=bool(capacity_from_specs or range_from_specs) or bool(row and row.verified),
        sources=row.sources if row else (),
    )


def _positive(value: float | None) -> float | None:
    """A usable figure: positive and of a size a car can have (kWh, miles, km); a specs or
    payload value like 1e-232 or 1e300 would only make arithmetic noise."""
    return value if value is not None and math.isfinite(value) and 0.01 <= value <= 1e5 else None


@dataclass(frozen=True)
class Estimate:
    """One estimate: the measured figure, its reference when new, health and band in %."""

    kind: Kind
    measured: float  # kWh (capacity) or miles/km at 100 % (range, in the reference's unit)
    reference: float
    unit: str
    health_pct: float
    low_pct: float
    high_pct: float


@dataclass(frozen=True)
class Problem:
    """A derived figure outside the model's physical bounds: withheld, with its inputs."""

    figure: str
    value: float
    bounds: Bounds
    inputs: dict[str, tuple[float, str]]


@dataclass(frozen=True)
class Assessment:
    estimates: tuple[Estimate, ...]
    capacity_now_kwh: float | None
    full_range_mi: float | None  # rated range at 100 %, miles (Tesla's unit)
    health_pct: float | None
    low_pct: float | None
    high_pct: float | None
    agree: bool | None  # None with fewer than two estimates
    typical_pct: float | None
    verdict: Verdict | None
    missing: tuple[str, ...]  # why an estimate could not be made (codes, see docs)
    problems: tuple[Problem, ...] = field(default=())


def typical_health(age_years: float | None, odometer_mi: float | None) -> float | None:
    """Typical health (%) of a Tesla pack of this age and mileage: the larger of the two losses
    (calendar fade by age, cycling fade by mileage). None when neither is known."""
    losses = []
    if age_years is not None and math.isfinite(age_years) and age_years >= 0:
        losses.append(min(age_years, 25.0) * _LOSS_PER_YEAR)
    if odometer_mi is not None and math.isfinite(odometer_mi) and odometer_mi >= 0:
        losses.append(_interpolate(_LOSS_BY_MILES, odometer_mi))
    return round(100.0 - max(losses), 1) if losses else None


def _interpolate(points: tuple[tuple[float, float], ...], x: float) -> float:
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    (x0, y0), (x1, y1) = points[-2], points[-1]
    return y1 + (y1 - y0) * (x - x1) / (x1 - x0)  # beyond the last point: same slope


def _band(
    health: float, exact_low: float, exact_high: float, *relative_pct: float
) -> tuple[float, float]:
    """The rounding interval widened in quadrature by relative errors (% of the result)."""
    if not all(map(math.isfinite, (health, exact_low, exact_high))) or abs(health) > 1e6:
        return health, health  # far outside any bound: withheld before anyone reads its band
    spread = sum((health * pct / 100) ** 2 for pct in relative_pct)
    low = health - math.sqrt((health - exact_low) ** 2 + spread)
    high = health + math.sqrt((exact_high - health) ** 2 + spread)
    return low, high


def _capacity_estimate(
    level: int, energy: float, capacity_new: float, tolerance_pct: float
) -> Estimate:
    capacity = energy * 100 / level
    health = capacity * 100 / capacity_new

    def health_at(kwh: float, pct: float) -> float:
        return kwh * 100 / pct * 100 / capacity_new

    exact_low = health_at(max(energy - ENERGY_STEP_KWH, 0.0), level + LEVEL_STEP_PCT)
    exact_high = health_at(energy + ENERGY_STEP_KWH, level - LEVEL_STEP_PCT)
    low, high = _band(health, exact_low, exact_high, BMS_ERROR_PCT, tolerance_pct)
    return Estimate("capacity", capacity, capacity_new, "kWh", health, low, high)


def _range_estimate(
    level: int, range_mi: float, rating_new: float, unit: str, tolerance_pct: float
) -> Estimate:
    factor = KM_PER_MILE if unit == "km" else 1.0

    def at_full(miles: float, pct: float) -> float:
        return miles * 100 / pct * factor

    full = at_full(range_mi, level)
    health = full * 100 / rating_new
    exact_low = at_full(max(range_mi - RANGE_STEP_MI, 0.0), level + LEVEL_STEP_PCT) * 100
    exact_high = at_full(range_mi + RANGE_STEP_MI, level - LEVEL_STEP_PCT) * 100
    low, high = _band(
        health,
        exact_low / rating_new,
        exact_high / rating_new,
        RATED_CONSTANT_ERROR_PCT,
        tolerance_pct,
    )
    return Estimate("range", full, rating_new, unit, health, low, high)


def _reconcile(
    estimates: list[Estimate],
) -> tuple[float, float, float, bool | None]:
    """One figure from the estimates: inverse-variance weights on the half-widths."""
    if len(estimates) == 1:
        only = estimates[0]
        return only.health_pct, only.low_pct, only.high_pct, None
    weights = [1 / max((e.high_pct - e.low_pct) / 2, 1e-6) ** 2 for e in estimates]
    centre = sum(w * e.health_pct for w, e in zip(weights, estimates, strict=True)) / sum(weights)
    first, second = estimates
    overlap = first.low_pct <= second.high_pct and second.low_pct <= first.high_pct
    if not overlap:  # they disagree: the truth may be anywhere across both bands
        return (
            centre,
            min(e.low_pct for e in estimates),
            max(e.high_pct for e in estimates),
            False,
        )
    # Same BMS behind both: never claim a band narrower than the narrower single band.
    below = min(e.health_pct - e.low_pct for e in estimates)
    above = min(e.high_pct - e.health_pct for e in estimates)
    return centre, centre - below, centre + above, True


def _verdict(low: float, high: float, typical: float | None) -> Verdict | None:
    if typical is None:
        return None
    if high - low > INCONCLUSIVE_WIDTH_PCT:
        return "inconclusive"
    if high < typical - TYPICAL_SPREAD_PCT:
        return "worse"
    if low > typical + TYPICAL_SPREAD_PCT:
        return "better"
    return "typical"


def _market_rating(rating: Rating, market: Market | None) -> tuple[float | None, str]:
    if market == "epa":
        return rating.epa_mi, "mi"
    if market == "wltp":
        return rating.wltp_km, "km"
    return None, "mi"


@dataclass(frozen=True)
class _Part:
    """One estimate's outcome: the measured figure (None when impossible), the estimate (None
    without a reference or when impossible) and what was withheld."""

    measured: float | None = None
    estimate: Estimate | None = None
    problems: tuple[Problem, ...] = ()


def _checked_part(
    measured: float,
    measured_km: float,
    estimate: Estimate | None,
    measured_bounds: Bounds,
    figure: str,
    bounds: ModelBounds,
    inputs: dict[str, tuple[float, str]],
) -> _Part:
    """Withhold what no car of the model can do: the measured figure (and so the estimate), or
    only the health when the measurement is possible but the comparison is not."""
    if not measured_bounds.holds(measured_km):
        return _Part(problems=(Problem(figure, measured_km, measured_bounds, inputs),))
    if estimate is not None and not bounds.health.holds(estimate.health_pct):
        problem = Problem("health", estimate.health_pct, bounds.health, inputs)
        return _Part(measured=measured, problems=(problem,))
    return _Part(measured=measured, estimate=estimate)


def _capacity_part(
    energy: float, level: int, rating: Rating | None, bounds: ModelBounds, missing: list[str]
) -> _Part:
    capacity_now = energy * 100 / level
    estimate = None
    if rating is not None and rating.usable_kwh is None:
        missing.append("reference_capacity")
    elif rating is not None and rating.usable_kwh is not None:
        estimate = _capacity_estimate(
            level, energy, rating.usable_kwh, rating.capacity_tolerance_pct
        )
    inputs = {"energy_remaining": (energy, "kWh"), "usable_level": (float(level), "%")}
    return _checked_part(
        capacity_now,
        capacity_now,
        estimate,
        bounds.usable_capacity,
        "usable_capacity",
        bounds,
        inputs,
    )


def _range_part(
    range_mi: float,
    level: int,
    rating: Rating | None,
    market: Market | None,
    bounds: ModelBounds,
    missing: list[str],
) -> _Part:
    full_mi = range_mi * 100 / level
    estimate = None
    if rating is not None and market is None:
        missing.append("market")
    elif rating is not None and market is not None:
        new, unit = _market_rating(rating, market)
        if new is None:
            missing.append(f"reference_range_{market}")
        else:
            estimate = _range_estimate(level, range_mi, new, unit, rating.range_tolerance_pct)
    inputs = {"rated_range": (range_mi, "mi"), "usable_level": (float(level), "%")}
    return _checked_part(
        full_mi,
        full_mi * KM_PER_MILE,
        estimate,
        bounds.full_charge_range,
        "full_charge_range",
        bounds,
        inputs,
    )


def _level_problem(level: int | None) -> str | None:
    if level is None or level <= 0 or level > 100:
        return "usable_level"
    return "level_too_low" if level < MIN_LEVEL_PCT else None


def assess(
    reading: Reading,
    rating: Rating | None,
    *,
    market: Market | None,
    age_years: float | None,
    odometer_mi: float | None,
    bounds: ModelBounds,
    unidentified: str | None = None,
) -> Assessment:
    """Both estimates, reconciled, with the verdict; ``missing`` says what stopped any of them
    (``unidentified``: why no rating was found, e.g. model_year, when the caller knows)."""
    level = reading.usable_level_pct
    stop = _level_problem(level)
    if stop is not None or level is None:
        return Assessment((), None, None, None, None, None, None, None, None, (stop or "",))
    missing: list[str] = [] if rating is not None else [unidentified or "reference"]
    energy = _positive(reading.energy_remaining_kwh)
    range_mi = _positive(reading.rated_range_mi)
    if energy is None:
        missing.append("energy_remaining")
    if range_mi is None:
        missing.append("rated_range")
    capacity = _capacity_part(energy, level, rating, bounds, missing) if energy else _Part()
    full = _range_part(range_mi, level, rating, market, bounds, missing) if range_mi else _Part()
    problems = capacity.problems + full.problems
    if problems:
        missing.append("inconsistent")
    estimates = [part.estimate for part in (capacity, full) if part.estimate is not None]
    typical = typical_health(age_years, odometer_mi)
    if not estimates:
        return Assessment(
            (), capacity.measured, full.measured, None, None, None, None, typical, None,
            tuple(missing), problems,
        )  # fmt: skip
    health, low, high, agree = _reconcile(estimates)
    low, high = max(low, bounds.health.low), min(high, bounds.health.high)
    return Assessment(
        estimates=tuple(estimates),
        capacity_now_kwh=capacity.measured,
        full_range_mi=full.measured,
        health_pct=round(health, 1),
        low_pct=round(min(low, health), 1),
        high_pct=round(max(high, health), 1),
        agree=agree,
        typical_pct=typical,
        verdict=_verdict(low, high, typical),
        missing=tuple(missing),
        problems=problems,
    )
