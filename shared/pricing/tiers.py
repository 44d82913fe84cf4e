"""Price: the tier table, package × vehicle-count band → one fixed total in cents (VAT included).

No per-vehicle multiplication: a band's price is the price for all its vehicles together, and
the per-vehicle value improves with the band (roadmap §7). Changing a price = changing one number
in ``TIER_PRICES_CENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.product.catalog import Package, parse_package


@dataclass(frozen=True, slots=True)
class TierBand:
    """A range of vehicle counts priced as one; ``max_vehicles=None`` means "and more"."""

    min_vehicles: int
    max_vehicles: int | None

    @property
    def key(self) -> str:
        """A stable name for records and logs: ``"1"``, ``"3-5"``, ``"6+"``."""
        if self.max_vehicles is None:
            return f"{self.min_vehicles}+"
        if self.min_vehicles == self.max_vehicles:
            return str(self.min_vehicles)
        return f"{self.min_vehicles}-{self.max_vehicles}"

    @property
    def label(self) -> str:
        """What the buyer reads: ``"1 vehicle"``, ``"3–5 vehicles"``, ``"6+ vehicles"``."""
        if self.max_vehicles is None:
            return f"{self.min_vehicles}+ vehicles"
        if self.min_vehicles == self.max_vehicles:
            return f"{self.min_vehicles} vehicle" + ("" if self.min_vehicles == 1 else "s")
        return f"{self.min_vehicles}–{self.max_vehicles} vehicles"

    def contains(self, vehicle_count: int) -> bool:
        return self.min_vehicles <= vehicle_count and (
            self.max_vehicles is None or vehicle_count <= self.max_vehicles
        )


@dataclass(frozen=True, slots=True)
class Tier:
    """The result of a lookup: which band a package × vehicle count falls in, and its price."""

    package: Package
    band: TierBand
    price_cents: int


class VehicleCountError(ValueError):
    """A vehicle count that cannot be priced (not an int, or below 1)."""


# ── Price data ──────────────────────────────────────────────────────────────────────────────────

ONE = TierBand(1, 1)
TWO = TierBand(2, 2)
THREE_TO_FIVE = TierBand(3, 5)
# The roadmap's 6–10 band, left open: 11 or more vehicles pay the 6–10 price
# (Confirmed Design Decisions: no "contact us").
SIX_OR_MORE = TierBand(6, None)

TIER_BANDS: tuple[TierBand, ...] = (ONE, TWO, THREE_TO_FIVE, SIX_OR_MORE)

# Total price in cents, VAT included, for all vehicles of the band together (roadmap §7).
TIER_PRICES_CENTS: dict[Package, dict[TierBand, int]] = {
    Package.BASIC: {ONE: 999, TWO: 1499, THREE_TO_FIVE: 2999, SIX_OR_MORE: 4999},
    Package.PRO: {ONE: 1999, TWO: 2999, THREE_TO_FIVE: 4999, SIX_OR_MORE: 7999},
    Package.EXPERT: {ONE: 2999, TWO: 4499, THREE_TO_FIVE: 7999, SIX_OR_MORE: 12999},
}


# ── Lookups ─────────────────────────────────────────────────────────────────────────────────────


def band_for(vehicle_count: int) -> TierBand:
    """The band that prices ``vehicle_count`` vehicles."""
    if isinstance(vehicle_count, bool) or not isinstance(vehicle_count, int):
        raise VehicleCountError(f"vehicle_count must be an int, got {type(vehicle_count).__name__}")
    if vehicle_count < 1:
        raise VehicleCountError(f"vehicle_count must be at least 1, got {vehicle_count}")
    for band in TIER_BANDS:
        if band.contains(vehicle_count):
            return band
    raise AssertionError("unreachable: _check_tier_table guarantees an open-ended last band")


def lookup_tier(package: str | Package, vehicle_count: int) -> Tier:
    """Package × vehicle count → band and total price (``pro``, 2 → 2999)."""
    package = parse_package(package)
    band = band_for(vehicle_count)
    return Tier(package=package, band=band, price_cents=TIER_PRICES_CENTS[package][band])


def tiers_of(package: str | Package) -> tuple[Tier, ...]:
    """Every band of one package with its price, smallest band first (for the catalog)."""
    package = parse_package(package)
    return tuple(Tier(package, band, TIER_PRICES_CENTS[package][band]) for band in TIER_BANDS)


def _check_tier_table() -> None:
    """Fail at import if an edit leaves a gap, an overlap, a missing price or a price that drops.

    The bands must tile 1, 2, 3, ... with no gap and end open, so every count ≥ 1 has exactly one
    price; prices must not fall as bands grow, so adding a vehicle never makes the order cheaper.
    """
    _check_bands()
    for package in Package:
        _check_prices(package)


def _check_bands() -> None:
    expected_min = 1
    for index, band in enumerate(TIER_BANDS):
        if band.min_vehicles != expected_min:
            raise RuntimeError(f"tier band {band.key} should start at {expected_min}")
        if band.max_vehicles is None:
            if index != len(TIER_BANDS) - 1:
                raise RuntimeError("only the last tier band may be open-ended")
        elif band.max_vehicles < band.min_vehicles:
            raise RuntimeError(f"tier band {band.key} ends before it starts")
        else:
            expected_min = band.max_vehicles + 1
    if TIER_BANDS[-1].max_vehicles is not None:
        raise RuntimeError("the last tier band must be open-ended (max_vehicles=None)")


def _check_prices(package: Package) -> None:
    prices = TIER_PRICES_CENTS.get(package, {})
    if set(prices) != set(TIER_BANDS):
        raise RuntimeError(f"package {package} must have a price for every tier band")
    row = [prices[band] for band in TIER_BANDS]
    for price in row:
        if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
            raise RuntimeError(f"package {package} has a non-positive or non-int price")
    if row != sorted(row):
        raise RuntimeError(f"package {package}: prices must not fall as bands grow")


_check_tier_table()
