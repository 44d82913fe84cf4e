"""Decoding what the vehicle list says: model, year, masking."""

from __future__ import annotations

import pytest

from shared.cars.vehicles import VehicleRecord, mask_vin, model_name, model_year


@pytest.mark.parametrize(
    ("vin", "car_type", "model", "year"),
    [
        ("LRW3E7EK5RC412733", None, "Model 3", 2024),
        ("XP7YGCEL3PB109274", None, "Model Y", 2023),
        ("5YJSA1E5XNF470318", None, "Model S", 2022),
        ("7SAXCBE61SF000001", None, "Model X", 2025),
        ("5YJ3E1EA7KF000001", "modely", "Model Y", 2019),  # car_type wins over the VIN
        ("5YJSA1E5XNF470318", "lychee", "Model S", 2022),
        ("5YJZZZZZZZZ000001", None, None, None),
        ("short", None, None, None),
    ],
)
def test_model_and_year(vin, car_type, model, year):
    assert model_name(vin, car_type) == model
    assert model_year(vin) == year


def test_mask_hides_the_last_four():
    assert mask_vin("LRW3E7EK1RC988948") == "LRW3E7EK1RC98****"


def test_record_from_tesla_item_is_defensive():
    item = {"id": 1, "vin": "lrw3e7ek5rc412733", "display_name": "JT3", "state": "asleep"}
    assert VehicleRecord.from_tesla(item) == VehicleRecord(
        id=1, vin="LRW3E7EK5RC412733", display_name="JT3", state="asleep"
    )
    assert VehicleRecord.from_tesla({"id": "1", "vin": "x"}) is None
    assert VehicleRecord.from_tesla({"id": 2, "vin": "LRW3E7EK5RC412733", "state": None}).state == (
        "unknown"
    )
