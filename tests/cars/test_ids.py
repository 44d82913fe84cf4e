"""Vehicle ids at the API boundary: strings of digits out, strings or integers in (pure)."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from shared.cars.ids import VehicleId, VehicleIdInput, parse_vehicle_id
from shared.cars.vehicles import VehicleRecord

REAL_ID = 26640707449551857  # a recorded Tesla id (timdorr cassette): beyond 2^53


class _Out(BaseModel):
    id: VehicleId


class _In(BaseModel):
    vehicle_id: VehicleIdInput


def test_a_response_carries_the_id_as_a_string_of_digits() -> None:
    body = _Out(id=REAL_ID).model_dump_json()
    assert json.loads(body) == {"id": "26640707449551857"}
    # A JavaScript client would read the number as 26640707449551856: the string is exact.
    assert float(REAL_ID) != REAL_ID
    assert _Out.model_json_schema()["properties"]["id"]["type"] == "string"


@pytest.mark.parametrize("sent", ["26640707449551857", REAL_ID])
def test_a_request_accepts_the_string_or_the_integer(sent: object) -> None:
    assert _In.model_validate({"vehicle_id": sent}).vehicle_id == REAL_ID


@pytest.mark.parametrize("sent", [True, "", "12a", "-5", "1.0", "٣", "9" * 21, 0, -3, 1.5, None])
def test_anything_else_is_refused(sent: object) -> None:
    with pytest.raises(ValidationError):
        _In.model_validate({"vehicle_id": sent})


def test_parse_vehicle_id_directly() -> None:
    assert parse_vehicle_id("007") == 7
    with pytest.raises(ValueError, match="string of digits"):
        parse_vehicle_id([1])


def test_the_vehicle_list_reads_id_or_its_string_twin() -> None:
    vin = "5YJSA1E41GF167745"
    assert VehicleRecord.from_tesla({"id": REAL_ID, "vin": vin}).id == REAL_ID  # type: ignore[union-attr]
    assert VehicleRecord.from_tesla({"id_s": str(REAL_ID), "vin": vin}).id == REAL_ID  # type: ignore[union-attr]
    assert VehicleRecord.from_tesla({"id": True, "vin": vin}) is None
    assert VehicleRecord.from_tesla({"id": "x", "id_s": "0", "vin": vin}) is None
