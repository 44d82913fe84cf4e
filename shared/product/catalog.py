"""Product: the packages we sell, what each fetches from Tesla, and what that shows the buyer.

Product is kept apart from Price (``tiers.py``) as roadmap §7 says: nothing here has a price.
The features of a package are derived from the Tesla modules it fetches, so the catalog can never
promise a data point that report generation does not fetch ("What Each Package Includes").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Package(StrEnum):
    BASIC = "basic"
    PRO = "pro"
    EXPERT = "expert"


class TeslaModule(StrEnum):
    """A Tesla Fleet API data source that report generation calls once per vehicle."""

    VEHICLE_DATA = "vehicle_data"
    CHARGING_HISTORY = "charging_history"
    RECENT_ALERTS = "recent_alerts"
    SERVICE_DATA = "service_data"
    WARRANTY = "warranty"
    RELEASE_NOTES = "release_notes"
    OPTIONS = "options"
    VEHICLE_SPECS = "vehicle_specs"  # $0.10 a call, 50× the others: the Expert boundary


class UnknownPackageError(ValueError):
    """A package name that is not one of ``Package``."""


@dataclass(frozen=True, slots=True)
class Product:
    package: Package
    title: str


# ── Product data: change names, modules or feature texts here and nowhere else. ───────────────

PRODUCTS: dict[Package, Product] = {
    Package.BASIC: Product(Package.BASIC, "Basic Report"),
    Package.PRO: Product(Package.PRO, "Pro Report"),
    Package.EXPERT: Product(Package.EXPERT, "Expert Report"),
}

# Which Tesla endpoints each package calls per vehicle (roadmap §7 PACKAGE_MODULES), in call order.
PACKAGE_MODULES: dict[Package, tuple[TeslaModule, ...]] = {
    Package.BASIC: (TeslaModule.VEHICLE_DATA,),
    Package.PRO: (
        TeslaModule.VEHICLE_DATA,
        TeslaModule.CHARGING_HISTORY,
        TeslaModule.RECENT_ALERTS,
        TeslaModule.SERVICE_DATA,
        TeslaModule.WARRANTY,
        TeslaModule.RELEASE_NOTES,
        TeslaModule.OPTIONS,
    ),
    Package.EXPERT: (
        TeslaModule.VEHICLE_DATA,
        TeslaModule.CHARGING_HISTORY,
        TeslaModule.RECENT_ALERTS,
        TeslaModule.SERVICE_DATA,
        TeslaModule.WARRANTY,
        TeslaModule.RELEASE_NOTES,
        TeslaModule.OPTIONS,
        TeslaModule.VEHICLE_SPECS,
    ),
}

# What each module shows the buyer (roadmap §7 "What Each Package Includes", one row per line).
MODULE_FEATURES: dict[TeslaModule, tuple[str, ...]] = {
    TeslaModule.VEHICLE_DATA: (
        "Vehicle identity (make, model, year, VIN)",
        "Battery & charging state (SOC %, range, limit, charging status)",
        "Odometer",
        "Software version & update status",
        "Climate & temps (inside/outside, COP, preconditioning)",
        "Tire pressure (TPMS, 4 corners + warnings)",
        "Vehicle config (drivetrain, wheels, color, charge port)",
        "Security (sentry mode, locked, valet mode)",
        "Dashcam status",
        "GUI settings (units: km, C, bar, kW)",
    ),
    TeslaModule.CHARGING_HISTORY: ("Charging history (sessions, locations, costs)",),
    TeslaModule.RECENT_ALERTS: ("Recent alerts",),
    TeslaModule.SERVICE_DATA: ("Service status",),
    TeslaModule.WARRANTY: ("Warranty details",),
    TeslaModule.RELEASE_NOTES: ("Firmware release notes",),
    TeslaModule.OPTIONS: ("Factory options (trim, wheels, color, AP)",),
    TeslaModule.VEHICLE_SPECS: ("Full vehicle specs",),
}


# ── Lookups ─────────────────────────────────────────────────────────────────────────────────────


def parse_package(name: str | Package) -> Package:
    """``"Pro"``/``" pro "`` → ``Package.PRO``; anything else raises ``UnknownPackageError``."""
    if isinstance(name, Package):
        return name
    if not isinstance(name, str):
        raise UnknownPackageError(f"package must be a string, got {type(name).__name__}")
    try:
        return Package(name.strip().lower())
    except ValueError:
        known = ", ".join(p.value for p in Package)
        raise UnknownPackageError(f"unknown package {name!r}; known: {known}") from None


def package_modules(package: str | Package) -> tuple[TeslaModule, ...]:
    """The Tesla modules report generation calls for each vehicle of this package."""
    return PACKAGE_MODULES[parse_package(package)]


def package_features(package: str | Package) -> tuple[str, ...]:
    """The data points the buyer gets with this package, in table order."""
    return tuple(
        feature for module in package_modules(package) for feature in MODULE_FEATURES[module]
    )


def product(package: str | Package) -> Product:
    return PRODUCTS[parse_package(package)]


def _check_catalog() -> None:
    """Fail at import, not at checkout, if someone edits the tables inconsistently."""
    for package in Package:
        if package not in PRODUCTS or package not in PACKAGE_MODULES:
            raise RuntimeError(f"package {package} is missing from PRODUCTS or PACKAGE_MODULES")
        modules = PACKAGE_MODULES[package]
        if len(set(modules)) != len(modules):
            raise RuntimeError(f"package {package} lists a module twice")
    for module in TeslaModule:
        if not MODULE_FEATURES.get(module):
            raise RuntimeError(f"module {module} has no features in MODULE_FEATURES")


_check_catalog()
