"""Product and Price: the tier table as the roadmap states it, band edges, package modules."""

from __future__ import annotations

import pytest

from shared.pricing.tiers import TIER_BANDS, VehicleCountError, band_for, lookup_tier, tiers_of
from shared.product.catalog import (
    PACKAGE_MODULES,
    Package,
    TeslaModule,
    UnknownPackageError,
    package_features,
    package_modules,
    parse_package,
)

# Roadmap §7 tier table, in cents: 1, 2, 3–5, 6–10 (and 11+ at the 6–10 price).
ROADMAP_PRICES = {
    "basic": (999, 1499, 2999, 4999),
    "pro": (1999, 2999, 4999, 7999),
    "expert": (2999, 4499, 7999, 12999),
}

# vehicle count → index of its band in the roadmap's table
BAND_EDGES = {1: 0, 2: 1, 3: 2, 5: 2, 6: 3, 10: 3, 11: 3, 50: 3}


@pytest.mark.parametrize("package", ROADMAP_PRICES)
@pytest.mark.parametrize(("vehicle_count", "band_index"), BAND_EDGES.items())
def test_band_edges_price_exactly_the_roadmap_table(
    package: str, vehicle_count: int, band_index: int
) -> None:
    tier = lookup_tier(package, vehicle_count)
    assert tier.price_cents == ROADMAP_PRICES[package][band_index]
    assert tier.band == TIER_BANDS[band_index]
    assert tier.package is Package(package)


@pytest.mark.parametrize(
    ("vehicle_count", "label"),
    [
        (1, "1 vehicle"),
        (2, "2 vehicles"),
        (3, "3–5 vehicles"),
        (5, "3–5 vehicles"),
        (6, "6+ vehicles"),
        (10, "6+ vehicles"),
        (11, "6+ vehicles"),
        (500, "6+ vehicles"),
    ],
)
def test_band_labels(vehicle_count: int, label: str) -> None:
    assert band_for(vehicle_count).label == label


def test_bands_tile_every_count_and_end_open() -> None:
    assert [(b.min_vehicles, b.max_vehicles) for b in TIER_BANDS] == [
        (1, 1),
        (2, 2),
        (3, 5),
        (6, None),
    ]
    assert [b.key for b in TIER_BANDS] == ["1", "2", "3-5", "6+"]


@pytest.mark.parametrize("bad", [0, -1])
def test_vehicle_count_below_one_is_refused(bad: int) -> None:
    with pytest.raises(VehicleCountError):
        lookup_tier("pro", bad)


@pytest.mark.parametrize("bad", [True, 2.0, "2", None])
def test_vehicle_count_must_be_an_int(bad: object) -> None:
    with pytest.raises(VehicleCountError):
        lookup_tier("pro", bad)  # type: ignore[arg-type]


def test_tiers_of_lists_every_band_in_order() -> None:
    for package, prices in ROADMAP_PRICES.items():
        assert tuple(t.price_cents for t in tiers_of(package)) == prices


@pytest.mark.parametrize(("raw", "package"), [("pro", Package.PRO), (" Expert ", Package.EXPERT)])
def test_parse_package_is_lenient_about_case_and_spaces(raw: str, package: Package) -> None:
    assert parse_package(raw) is package


@pytest.mark.parametrize("bad", ["bulk", "", "premium", None, 1])
def test_unknown_packages_are_refused(bad: object) -> None:
    with pytest.raises(UnknownPackageError):
        parse_package(bad)  # type: ignore[arg-type]
    with pytest.raises(UnknownPackageError):
        lookup_tier(bad, 1)  # type: ignore[arg-type]


def test_package_modules_are_the_roadmaps() -> None:
    pro = [
        "vehicle_data",
        "charging_history",
        "recent_alerts",
        "service_data",
        "warranty",
        "release_notes",
        "options",
    ]
    assert package_modules("basic") == ("vehicle_data",)
    assert list(package_modules("pro")) == pro
    assert list(package_modules("expert")) == [*pro, "vehicle_specs"]
    # "Basic=1 API call, Pro=7, Expert=8" (Confirmed Design Decisions)
    assert [len(PACKAGE_MODULES[p]) for p in Package] == [1, 7, 8]


def test_every_package_fetches_what_the_cheaper_ones_do() -> None:
    basic, pro, expert = (set(PACKAGE_MODULES[p]) for p in Package)
    assert basic < pro < expert
    assert expert - pro == {TeslaModule.VEHICLE_SPECS}


def test_features_follow_the_modules() -> None:
    basic, pro, expert = (package_features(p) for p in Package)
    assert len(basic) == 10 and "Odometer" in basic
    assert pro[: len(basic)] == basic
    assert "Charging history (sessions, locations, costs)" in pro
    assert "Full vehicle specs" not in pro
    assert expert[-1] == "Full vehicle specs"
    assert len(expert) == len(pro) + 1
