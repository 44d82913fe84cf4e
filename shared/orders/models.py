"""Request and response models of an order's cars and selection."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from shared.cars.ids import VehicleId, VehicleIdInput
from shared.platform.api_models import RequestModel, ResponseModel
from shared.product.catalog import Package

VehicleState = Literal["online", "asleep", "offline", "unknown"]


class VehicleView(ResponseModel):
    id: VehicleId
    vin: str = Field(description="The VIN with its last four characters masked.")
    display_name: str | None
    model: str | None = Field(description="From the car type when known, else VIN position 4.")
    year: int | None = Field(description="Model year, from VIN position 10.")
    state: VehicleState


class VehiclesResponse(ResponseModel):
    vehicles: list[VehicleView]


class SelectRequest(RequestModel):
    vehicle_ids: list[VehicleIdInput] = Field(
        min_length=1,
        max_length=100,
        description="Ids of the session's cars as GET vehicles gave them (strings of digits; "
        "integers are accepted too).",
    )
    package: Package

    @field_validator("vehicle_ids")
    @classmethod
    def _no_duplicates(cls, ids: list[int]) -> list[int]:
        if len(set(ids)) != len(ids):
            raise ValueError("lists a vehicle more than once")
        return ids


class SelectResponse(ResponseModel):
    status: str
    vehicle_count: int
    package: Package
