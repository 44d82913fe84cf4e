"""VIN helpers: ISO 3779 check digit, model-year and model decoding (reference §8)."""

from __future__ import annotations

# Position 10 year code, A=2010 .. 9=2039 (I, O, Q, U, Z and 0 are never used).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
_TRANSLITERATION = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
MODEL_BY_VIN_CHAR = {
    "S": "Model S",
    "3": "Model 3",
    "X": "Model X",
    "Y": "Model Y",
    "C": "Cybertruck",
}


def check_digit(vin: str) -> str:
    """The ninth character a valid 17-character VIN must carry (weighted sum mod 11, 10 -> 'X')."""
    if len(vin) != 17:
        raise ValueError(f"VIN must have 17 characters, got {len(vin)}")
    total = sum(
        _TRANSLITERATION[char] * weight for char, weight in zip(vin.upper(), _WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def with_check_digit(vin_template: str) -> str:
    """Fill position 9 of a template such as ``LRW3E7EK?RC412733`` with the right check digit."""
    placeholder = vin_template[:8] + "0" + vin_template[9:]
    return vin_template[:8] + check_digit(placeholder) + vin_template[9:]


def is_valid_vin(vin: str) -> bool:
    return (
        len(vin) == 17
        and all(c in _TRANSLITERATION for c in vin.upper())
        and vin[8] == check_digit(vin)
    )


def model_year(vin: str) -> int:
    return 2010 + _YEAR_CODES.index(vin[9].upper())


def year_code(year: int) -> str:
    return _YEAR_CODES[year - 2010]


def model_name(vin: str) -> str:
    return MODEL_BY_VIN_CHAR[vin[3].upper()]
