"""GET /health — the function runs and can read Firestore."""

from __future__ import annotations

import functions_framework

from shared import errors
from shared.api.http import Call, endpoint
from shared.api.models import HealthResponse
from shared.health import check_firestore
from shared.version import VERSION


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
