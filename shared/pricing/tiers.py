"""Price: the tier table, package × vehicle-count band → one fixed total in cents (VAT included).

No per-vehicle multiplication: a band's price is the price for all its vehicles together, and
the per-vehicle value improves with the band (roadmap §7). Changing a price = changing one number
in ``TIER_PRICES_CENTS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.pricing.money import require_currency
from shared.pricing.vat import require_vat_rate
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
    return _band_in(TIER_BANDS, vehicle_count)


def lookup_tier(package: str | Package, vehicle_count: int) -> Tier:
    """Package × vehicle count → band and total price (``pro``, 2 → 2999)."""
    package = parse_package(package)
    band = band_for(vehicle_count)
    return Tier(package=package, band=band, price_cents=TIER_PRICES_CENTS[package][band])


def tiers_of(package: str | Package) -> tuple[Tier, ...]:
    """Every band of one package with its price, smallest band first (for the catalog)."""
    package = parse_package(package)
    return tuple(Tier(package, band, TIER_PRICES_CENTS[package][band]) for band in TIER_BANDS)


class PriceBookError(ValueError):
    """A price book that cannot be used: gap or overlap in bands, missing or falling prices."""


@dataclass(frozen=True, slots=True)
class PriceBook:
    """One published version of the prices: bands, a price per package and band, VAT, currency.

    Stored per environment (``shared.pricing.book``); a quote records the ``version`` it used.
    ``version`` 0 is the built-in table below, for pure callers and tests.
    """

    version: int
    currency: str
    vat_rate_percent: Decimal
    bands: tuple[TierBand, ...]
    prices_cents: Mapping[Package, tuple[int, ...]]  # one price per band, in band order
    effective_from: datetime | None = None
    _index: dict[Package, dict[TierBand, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_price_book(self.bands, self.prices_cents)
        require_vat_rate(self.vat_rate_percent)
        require_currency(self.currency)
        index = {p: dict(zip(self.bands, row, strict=True)) for p, row in self.prices_cents.items()}
        object.__setattr__(self, "_index", index)

    def band_for(self, vehicle_count: int) -> TierBand:
        return _band_in(self.bands, vehicle_count)

    def lookup(self, package: str | Package, vehicle_count: int) -> Tier:
        package = parse_package(package)
        band = self.band_for(vehicle_count)
        return Tier(package=package, band=band, price_cents=self._index[package][band])

    def tiers_of(self, package: str | Package) -> tuple[Tier, ...]:
        package = parse_package(package)
        return tuple(Tier(package, band, self._index[package][band]) for band in self.bands)

    def to_data(self) -> dict[str, Any]:
        """Plain JSON/Firestore data (VAT as text: no float ever holds it)."""
        return {
            "currency": self.currency,
            "vat_rate_percent": f"{self.vat_rate_percent.normalize():f}",
            "effective_from": None if self.effective_from is None else self.effective_from,
            "bands": [{"min": b.min_vehicles, "max": b.max_vehicles} for b in self.bands],
            "prices_cents": {p.value: list(row) for p, row in self.prices_cents.items()},
        }


def price_book_from_data(data: Mapping[str, Any], *, version: int) -> PriceBook:
    """The inverse of ``PriceBook.to_data``; any problem is a ``PriceBookError`` naming it."""
    try:
        bands = tuple(TierBand(int(b["min"]), _int_or_none(b["max"])) for b in data["bands"])
        prices = {Package(name): tuple(row) for name, row in dict(data["prices_cents"]).items()}
        raw_rate = data["vat_rate_percent"]
        if isinstance(raw_rate, float):
            raise PriceBookError("vat_rate_percent must be text or an int, not a float")
        effective = data.get("effective_from")
        if isinstance(effective, str):
            effective = datetime.fromisoformat(effective)
        return PriceBook(
            version=version,
            currency=str(data["currency"]),
            vat_rate_percent=Decimal(str(raw_rate)),
            bands=bands,
            prices_cents=prices,
            effective_from=effective,
        )
    except PriceBookError:
        raise
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise PriceBookError(f"invalid price book: {error!r}") from error


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _band_in(bands: tuple[TierBand, ...], vehicle_count: int) -> TierBand:
    if isinstance(vehicle_count, bool) or not isinstance(vehicle_count, int):
        raise VehicleCountError(f"vehicle_count must be an int, got {type(vehicle_count).__name__}")
    if vehicle_count < 1:
        raise VehicleCountError(f"vehicle_count must be at least 1, got {vehicle_count}")
    for band in bands:
        if band.contains(vehicle_count):
            return band
    raise AssertionError("unreachable: check_price_book guarantees an open-ended last band")


def check_price_book(
    bands: tuple[TierBand, ...], prices: Mapping[Package, tuple[int, ...] | Mapping[Any, int]]
) -> None:
    """Refuse a gap, an overlap, a missing price or a price that drops (``PriceBookError``).

    The bands must tile 1, 2, 3, ... with no gap and end open, so every count ≥ 1 has exactly one
    price; prices must be monotone as bands grow, so adding a vehicle never makes the order
    cheaper.
    """
    _check_bands(bands)
    for package in Package:
        _check_prices(package, bands, prices.get(package))


def _check_bands(bands: tuple[TierBand, ...]) -> None:
    if not bands:
        raise PriceBookError("a price book needs at least one tier band")
    expected_min = 1
    for index, band in enumerate(bands):
        if band.min_vehicles != expected_min:
            raise PriceBookError(f"tier band {band.key} should start at {expected_min}")
        if band.max_vehicles is None:
            if index != len(bands) - 1:
                raise PriceBookError("only the last tier band may be open-ended")
        elif band.max_vehicles < band.min_vehicles:
            raise PriceBookError(f"tier band {band.key} ends before it starts")
        else:
            expected_min = band.max_vehicles + 1
    if bands[-1].max_vehicles is not None:
        raise PriceBookError("the last tier band must be open-ended (max_vehicles=None)")


def _check_prices(package: Package, bands: tuple[TierBand, ...], prices: object) -> None:
    if isinstance(prices, Mapping):
        if set(prices) != set(bands):
            raise PriceBookError(f"package {package} must have a price for every tier band")
        row = [prices[band] for band in bands]
    elif isinstance(prices, tuple | list) and len(prices) == len(bands):
        row = list(prices)
    else:
        raise PriceBookError(f"package {package} must have a price for every tier band")
    for price in row:
        if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
            raise PriceBookError(f"package {package} has a non-positive or non-int price")
    if row != sorted(row):
        raise PriceBookError(f"package {package}: prices must not fall as bands grow")


def _check_tier_table() -> None:
    """Fail at import if an edit leaves the built-in table unusable."""
    check_price_book(TIER_BANDS, TIER_PRICES_CENTS)


_check_tier_table()

# The built-in table as a price book (version 0): pure callers and tests; deployed quoting uses
# the environment's published book.
DEFAULT_PRICE_BOOK = PriceBook(
    version=0,
    currency="EUR",
    vat_rate_percent=Decimal("25.5"),
    bands=TIER_BANDS,
    prices_cents={p: tuple(row[b] for b in TIER_BANDS) for p, row in TIER_PRICES_CENTS.items()},
)
