"""The brand vocabulary (shared.product.brands) and its connectors: pure."""

from __future__ import annotations

from typing import get_args

import pytest
from pydantic import ValidationError

from shared.connect.brands import connector_for
from shared.connect.models import OAuthInitiateRequest
from shared.product.brands import SUPPORTED_BRANDS, Brand


def test_the_tuple_is_the_type() -> None:
    assert SUPPORTED_BRANDS == get_args(Brand) == ("tesla",)


@pytest.mark.parametrize("brand", SUPPORTED_BRANDS)
def test_every_brand_has_a_connector_of_that_name(brand: str) -> None:
    assert connector_for(brand).name == brand


def test_an_unknown_brand_has_no_connector() -> None:
    with pytest.raises(KeyError):
        connector_for("rivian")


def test_the_initiate_request_accepts_exactly_the_brands() -> None:
    for brand in SUPPORTED_BRANDS:
        assert OAuthInitiateRequest.model_validate({"brand": brand}).brand == brand
    with pytest.raises(ValidationError):
        OAuthInitiateRequest.model_validate({"brand": "rivian"})
