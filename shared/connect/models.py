"""Request and response models of connecting a car account (OAuth initiate and callback)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.platform.api_models import RequestModel, ResponseModel, SessionId
from shared.product.brands import Brand


class OAuthInitiateRequest(RequestModel):
    brand: Brand
    session_id: SessionId | None = Field(
        default=None,
        description="Reconnect this existing order (its token expired) instead of starting one.",
    )


class OAuthInitiateResponse(ResponseModel):
    # camelCase as in the v1/v2 contract the WUI already speaks (roadmap §3.1).
    authUrl: str = Field(description="Send the browser here: the brand's consent page.")


class OAuthCallbackQuery(BaseModel):
    """What the brand appends to the redirect URI. Extra parameters (locale, issuer) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str | None = None
    state: str | None = None
    error: str | None = None
    error_description: str | None = None
