"""The car brands a customer can connect: declared here and nowhere else.

``Brand`` is the type (the OAuth initiate request validates against it); ``SUPPORTED_BRANDS`` is
the same list as a tuple. A new brand is one more value here plus its connector in
``shared.connect.brands``.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Brand = Literal["tesla"]

SUPPORTED_BRANDS: Final[tuple[Brand, ...]] = get_args(Brand)
