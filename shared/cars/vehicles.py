"""What we keep and show of a car from Tesla's vehicle list: decoding and masking.

Model and year come from what the list already says (no call that wakes a car): ``car_type`` when
we have it, else VIN position 4; the model year from VIN position 10.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

MODEL_BY_VIN_CHAR = {
    "S": "Model S",
    "3": "Model 3",
    "X": "Model X",
    "Y": "Model Y",
    "C": "Cybertruck",
    "T": "Semi",
    "R": "Roadster",
}
MODEL_BY_CAR_TYPE_PREFIX = (
    ("models", "Model S"),
    ("lychee", "Model S"),
    ("model3", "Model 3"),
    ("modelx", "Model X"),
    ("tamarind", "Model X"),
    ("modely", "Model Y"),
    ("cybertruck", "Cybertruck"),
)
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"  # A = 2010 … 9 = 2039


class VehicleRecord(BaseModel):
    """A car as stored in the order session (from ``GET /api/1/vehicles``)."""

    model_config = ConfigDict(frozen=True)

    id: int
    vin: str
    display_name: str | None = None
    state: str = "unknown"
    car_type: str | None = None
    in_service: bool = False

    def shown(self) -> dict[str, Any]:
        """What we show of the car to the order's owner and on documents: id, masked VIN,
        name, model and year (the car list, the report list, order.json)."""
        return {
            "id": self.id,
            "vin": mask_vin(self.vin),
            "display_name": self.display_name,
            "model": model_name(self.vin, self.car_type),
            "year": model_year(self.vin),
        }

    @classmethod
    def from_tesla(cls, item: dict[str, Any]) -> VehicleRecord | None:
        """The record for one list item, or None when the item lacks a usable id or VIN."""
        vehicle_id, vin = _tesla_id(item), item.get("vin")
        if vehicle_id is None or not isinstance(vin, str) or len(vin) != 17:
            return None
        state = item.get("state")
        name = item.get("display_name")
        return cls(
            id=vehicle_id,
            vin=vin.upper(),
            display_name=str(name)[:100] if name else None,
            state=state if state in ("online", "asleep", "offline") else "unknown",
            car_type=item.get("car_type") if isinstance(item.get("car_type"), str) else None,
            in_service=bool(item.get("in_service")),
        )


def _tesla_id(item: dict[str, Any]) -> int | None:
    """Tesla's ``id`` (an integer, beyond 2^53), else its string twin ``id_s`` (Tessie-style
    relays send only that)."""
    for value in (item.get("id"), item.get("id_s")):
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
            return int(value) or None
    return None


def mask_vin(vin: str | None) -> str:
    """The VIN with its last four characters hidden (``LRW3E7EK1RC98****``)."""
    text = (vin or "").strip().upper()
    return text[:-4] + "****" if len(text) > 4 else "****"


def model_name(vin: str, car_type: str | None = None) -> str | None:
    """From ``vehicle_config.car_type`` when known, else VIN position 4."""
    if car_type:
        lowered = car_type.lower()
        for prefix, name in MODEL_BY_CAR_TYPE_PREFIX:
            if lowered.startswith(prefix):
                return name
    return MODEL_BY_VIN_CHAR.get(vin[3:4].upper()) if len(vin) == 17 else None


def model_year(vin: str) -> int | None:
    """The model year from VIN position 10 (not the build or delivery date)."""
    code = vin[9].upper() if len(vin) == 17 else ""
    return 2010 + _YEAR_CODES.index(code) if code and code in _YEAR_CODES else None
