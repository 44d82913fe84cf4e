"""GET /health — the function runs and can read Firestore."""

from __future__ import annotations

import functions_framework

from functions.routes import endpoint
from shared.platform import errors
from shared.platform.api_models import HealthResponse
from shared.platform.health import check_firestore
from shared.platform.http import Call
from shared.platform.version import VERSION


@functions_framework.http
@endpoint("health")
def health(call: Call) -> HealthResponse:
    firestore = check_firestore()
    if not firestore["ok"]:
        raise errors.UpstreamUnavailable(
            "Firestore is not reachable.", checks={"firestore": firestore}
        )
    return HealthResponse(
        environment=call.settings.environment, version=VERSION, checks={"firestore": firestore}
    )
