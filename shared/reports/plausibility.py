"""Physical bounds of the figures a report derives, per Tesla model: pure data and one check.

A report derives a few figures from the car's raw values: average consumption (lifetime energy ÷
odometer), usable capacity now (energy remaining ÷ usable level), range at 100 % (rated range ÷
usable level), battery health (capacity now ÷ capacity new), the average price per kWh (charging
fees ÷ energy) and it shows the charger's power. Odd inputs make impossible figures (a Model 3
"using" 1 966 Wh/km), so every derived figure is checked against the bounds below and, outside
them, left out of the report with the inputs named instead of printed as a fact.

The bounds are deliberately wide: they exclude what no car of the model can do, not what is
merely unusual. The reasoning and the sources of each number are in docs/report-figures.md.
Pure: no clock, no randomness, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "GENERIC",
    "MODEL_BOUNDS",
    "PRICE_PER_KWH",
    "Bounds",
    "ModelBounds",
    "bounds_for",
    "price_bounds",
]


@dataclass(frozen=True)
class Bounds:
    """A closed interval ``[low, high]`` in ``unit``."""

    low: float
    high: float
    unit: str

    def holds(self, value: float) -> bool:
        """True for a finite value inside the bounds (NaN and infinities never hold)."""
        return math.isfinite(value) and self.low <= value <= self.high

    def scaled(self, factor: float, unit: str) -> Bounds:
        """The same interval in another unit (``factor`` converts a value of this unit)."""
        return Bounds(self.low * factor, self.high * factor, unit)


@dataclass(frozen=True)
class ModelBounds:
    consumption: Bounds  # lifetime average, Wh/km
    usable_capacity: Bounds  # estimated usable capacity now, kWh
    full_charge_range: Bounds  # rated range at 100 %, km
    health: Bounds  # capacity now ÷ capacity new, %
    charger_power: Bounds  # power the car draws from a charger, kW


# Health: a snapshot estimate reads a few percent high on a new pack; below half the capacity
# new a Tesla pack is far past its warranty threshold (70 %) and the estimate is not credible.
_HEALTH = Bounds(50.0, 110.0, "%")

MODEL_BOUNDS: dict[str, ModelBounds] = {
    "Model 3": ModelBounds(
        consumption=Bounds(90.0, 350.0, "Wh/km"),
        usable_capacity=Bounds(30.0, 85.0, "kWh"),
        full_charge_range=Bounds(150.0, 750.0, "km"),
        health=_HEALTH,
        charger_power=Bounds(0.0, 260.0, "kW"),
    ),
    "Model Y": ModelBounds(
        consumption=Bounds(100.0, 380.0, "Wh/km"),
        usable_capacity=Bounds(30.0, 85.0, "kWh"),
        full_charge_range=Bounds(150.0, 700.0, "km"),
        health=_HEALTH,
        charger_power=Bounds(0.0, 260.0, "kW"),
    ),
    "Model S": ModelBounds(
        consumption=Bounds(110.0, 420.0, "Wh/km"),
        usable_capacity=Bounds(35.0, 105.0, "kWh"),
        full_charge_range=Bounds(150.0, 750.0, "km"),
        health=_HEALTH,
        charger_power=Bounds(0.0, 260.0, "kW"),
    ),
    "Model X": ModelBounds(
        consumption=Bounds(130.0, 480.0, "Wh/km"),
        usable_capacity=Bounds(35.0, 105.0, "kWh"),
        full_charge_range=Bounds(150.0, 650.0, "km"),
        health=_HEALTH,
        charger_power=Bounds(0.0, 260.0, "kW"),
    ),
    "Cybertruck": ModelBounds(
        consumption=Bounds(150.0, 600.0, "Wh/km"),
        usable_capacity=Bounds(60.0, 135.0, "kWh"),
        full_charge_range=Bounds(200.0, 850.0, "km"),
        health=_HEALTH,
        charger_power=Bounds(0.0, 350.0, "kW"),
    ),
}

# Unknown model (or the 2008 Roadster): the union of the above, a little wider.
GENERIC = ModelBounds(
    consumption=Bounds(80.0, 600.0, "Wh/km"),
    usable_capacity=Bounds(20.0, 140.0, "kWh"),
    full_charge_range=Bounds(100.0, 900.0, "km"),
    health=_HEALTH,
    charger_power=Bounds(0.0, 350.0, "kW"),
)

# Average paid Supercharger price per kWh, per currency. Free sessions are left out of the
# average before it is checked, so a paid kWh costs more than nothing.
PRICE_PER_KWH: dict[str, Bounds] = {
    code: Bounds(low, high, code)
    for code, low, high in (
        ("EUR", 0.05, 1.50),
        ("USD", 0.05, 1.50),
        ("CAD", 0.05, 2.00),
        ("GBP", 0.05, 1.30),
        ("CHF", 0.05, 1.50),
        ("AUD", 0.05, 2.00),
        ("NZD", 0.05, 2.00),
        ("NOK", 0.50, 15.00),
        ("SEK", 0.50, 15.00),
        ("DKK", 0.40, 12.00),
        ("ISK", 5.00, 200.00),
        ("PLN", 0.20, 6.00),
        ("CZK", 1.00, 35.00),
        ("HUF", 20.00, 600.00),
    )
}


def bounds_for(model: str | None) -> ModelBounds:
    """The bounds of one model (``Model 3``, … as ``shared.cars.vehicles.model_name`` names it)."""
    return MODEL_BOUNDS.get(model or "", GENERIC)


def price_bounds(currency: str) -> Bounds | None:
    """Bounds of a price per kWh in ``currency``; None for a currency without known prices
    (its average is then shown unchecked: nothing says what is impossible there)."""
    return PRICE_PER_KWH.get(currency.upper())
