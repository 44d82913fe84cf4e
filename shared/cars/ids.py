"""Tesla vehicle ids at the API boundary: strings of digits out, strings or integers in.

Tesla's vehicle ids exceed 2^53 (e.g. 3744180000001234, 26640707449551857): a JavaScript client
parsing them as JSON numbers silently rounds them and then asks for a car that does not exist.
So every response carries a vehicle id as a string of digits (``"26640707449551857"``), and
every request accepts either that string or an integer. Inside the library an id stays an int.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

__all__ = ["MAX_ID_DIGITS", "VehicleId", "VehicleIdInput", "parse_vehicle_id"]

MAX_ID_DIGITS = 20  # an unsigned 64-bit integer has at most 20 decimal digits


def parse_vehicle_id(value: Any) -> int:
    """An id from a request: a positive integer, or a string of ASCII digits."""
    if isinstance(value, bool):
        raise ValueError("must be a vehicle id (a string of digits), not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value) > MAX_ID_DIGITS:
            raise ValueError(f"must be a vehicle id of at most {MAX_ID_DIGITS} digits")
        return int(value)
    raise ValueError("must be a vehicle id: a string of digits (or an integer)")


_ID_STRING_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": f"^[0-9]{{1,{MAX_ID_DIGITS}}}$",
    "examples": ["3744180000001234"],
}

VehicleId = Annotated[
    int,
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            **_ID_STRING_SCHEMA,
            "description": "Tesla's vehicle id as a string of digits (ids exceed 2^53: never "
            "parse it as a number); send it back as it is.",
        }
    ),
]
"""A vehicle id in a response: serialised as a string of digits."""

VehicleIdInput = Annotated[
    int,
    BeforeValidator(parse_vehicle_id),
    Field(gt=0),
    WithJsonSchema(
        {
            "oneOf": [_ID_STRING_SCHEMA, {"type": "integer", "minimum": 1}],
            "description": "A vehicle id as the API gave it (a string of digits); an integer "
            "is accepted too.",
        }
    ),
]
"""A vehicle id in a request: a string of digits or an integer, kept as an int."""
