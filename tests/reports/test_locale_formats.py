"""Each report language writes dates, times, numbers, units and money its own way (Babel/CLDR).

The car decides the units of distance and temperature; the language decides how they are
written. The clock follows the language too: a reader in Finland reads "0.00", never "12:00 ap."
even when the car is set to 12-hour time. Only a 12-hour locale (US English) lets the car's
24-hour setting win.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shared.product.languages import SUPPORTED_LANGUAGES
from shared.reports.localisation import locale_for
from shared.reports.model import Money, Quantity
from shared.reports.normalise import ModuleResult, build_report
from shared.reports.pdf import OrderSummary, _Formatter, render_html

MIDNIGHT = datetime(2026, 11, 20, 0, 0)
AFTERNOON = datetime(2026, 11, 20, 13, 5)
NBSP, NNBSP = "\u00a0", "\u202f"

# language: medium date-time at midnight, short date-time, 63 003 km, -3.5 °C, 1 234.50 €, 1 234
EXPECTED: dict[str, tuple[str, str, str, str, str, str]] = {
    "en": ("20 Nov 2026, 00:00", "20/11/2026, 13:05", "63,003 km", "-3.5 °C", "€1,234.50", "1,234"),
    "fi": ("20.11.2026 0.00", "20.11.2026 13.05", "63 003 km", "−3,5 °C", "1 234,50 €", "1 234"),
    "sv": ("20 nov. 2026 00:00", "2026-11-20 13:05", "63 003 km", "−3,5 °C", "1 234,50 €", "1 234"),
    "no": (
        "20. nov. 2026, 00:00",
        "20.11.2026, 13:05",
        "63 003 km",
        "−3,5 °C",
        "1 234,50 €",
        "1 234",
    ),
    "da": (
        "20. nov. 2026 00.00",
        "20.11.2026 13.05",
        "63.003 km",
        "-3,5 °C",
        "1.234,50 €",
        "1.234",
    ),
    "de": ("20.11.2026, 00:00", "20.11.26, 13:05", "63.003 km", "-3,5 °C", "1.234,50 €", "1.234"),
    "fr": (
        "20 nov. 2026, 00:00",
        "20/11/2026 13:05",
        "63_003 km",
        "-3,5 °C",
        "1_234,50 €",
        "1_234",
    ),
    "es": ("20 nov 2026, 0:00", "20/11/26, 13:05", "63.003 km", "-3,5 °C", "1.234,50 €", "1234"),
    "it": ("20 nov 2026, 00:00", "20/11/26, 13:05", "63.003 km", "-3,5 °C", "1.234,50 €", "1.234"),
}


def _spaces(text: str) -> str:
    """Expected text as Babel writes it: no-break spaces, and French narrow ones ("_")."""
    return text.replace(" ", NBSP).replace("_", NNBSP)


def _formatter(language: str, *, car_24_hour: bool = False, distance: str = "km") -> _Formatter:
    return _Formatter(
        language=language,
        locale=locale_for(language, distance),  # type: ignore[arg-type]
        uses_24_hour_time=car_24_hour,
    )


def test_every_language_has_expectations() -> None:
    assert set(EXPECTED) == set(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_formats_of_one_language_with_a_12_hour_car(language: str) -> None:
    fmt = _formatter(language, car_24_hour=False)
    medium, short, distance, temperature, money, number = EXPECTED[language]
    # Date and time joined by the locale's own pattern; 24-hour although the car counts 12.
    assert fmt.datetime(MIDNIGHT) == _spaces(medium).replace(NBSP, " ")
    assert fmt.datetime(AFTERNOON, short=True) == _spaces(short).replace(NBSP, " ")
    assert fmt.quantity(Quantity(value=63003, unit="km")) == _spaces(distance)
    assert fmt.quantity(Quantity(value=-3.5, unit="C")) == _spaces(temperature)
    assert fmt.money(Money(amount=Decimal("1234.50"), currency="EUR")) == _spaces(money)
    assert fmt.number(1234) == _spaces(number)
    for twelve_hour in (" AM", " PM", "ap.", "ip.", "a.m.", "p.m."):
        assert twelve_hour not in fmt.datetime(MIDNIGHT) + fmt.datetime(AFTERNOON)


def test_us_english_follows_the_car_clock() -> None:
    twelve = _formatter("en", car_24_hour=False, distance="mi")
    twenty_four = _formatter("en", car_24_hour=True, distance="mi")
    assert twelve.datetime(MIDNIGHT) == f"Nov 20, 2026, 12:00{NNBSP}AM"
    assert twenty_four.datetime(MIDNIGHT) == "Nov 20, 2026, 00:00"
    assert twelve.quantity(Quantity(value=63003, unit="mi")) == f"63,003{NBSP}mi"
    assert twelve.quantity(Quantity(value=28, unit="F")) == f"28{NBSP}°F"


def _finnish_report_of_a_us_car():
    """A car set to miles, °F and 12-hour time, reported in Finnish."""
    vin = "5YJ3E7EB2NF000001"
    vehicle_data = {
        "charge_state": {"battery_level": 80, "battery_range": 250.0, "timestamp": 1795132800000},
        "vehicle_state": {"odometer": 10000.0},
        "climate_state": {"outside_temp": -3.5},
        "vehicle_config": {"car_type": "model3"},
        "gui_settings": {
            "gui_distance_units": "mi/hr",
            "gui_temperature_units": "F",
            "gui_24_hour_time": False,
        },
    }
    return build_report(
        vehicle={"vin": vin, "display_name": "Car"},
        package="basic",
        modules={"vehicle_data": ModuleResult.ok({"response": vehicle_data})},
        language="fi",
        generated_at=datetime(2026, 11, 20, 0, 0, tzinfo=UTC),
    )


def test_a_finnish_report_keeps_the_cars_units_and_the_finnish_clock() -> None:
    report = _finnish_report_of_a_us_car()
    order = OrderSummary(
        order_id="CPT-1",
        package="basic",
        ordered_at=datetime(2026, 11, 1, tzinfo=UTC),
        vehicle_count=1,
    )
    html = render_html(report, order=order, language="fi")
    assert f"10{NBSP}000{NBSP}mi" in html  # the car's miles, grouped the Finnish way
    assert f"26{NBSP}°F" in html  # -3.5 °C in the car's °F (whole degrees)
    assert "20.11.2026 0.00 UTC" in html  # generated at midnight, 24-hour
    assert "ap." not in html and "ip." not in html
