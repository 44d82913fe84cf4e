"""GET /tesla/session/{session_id}/vehicles and POST /tesla/session/{session_id}/select."""

from __future__ import annotations

import functions_framework

from functions.routes import endpoint
from shared.orders import selection, sessions
from shared.orders.models import SelectResponse, VehiclesResponse
from shared.platform.http import Call


@functions_framework.http
@endpoint("tesla_session_vehicles")
def tesla_session_vehicles(call: Call) -> VehiclesResponse:
    session_id = sessions.require_well_formed(call.path_params["session_id"])
    return selection.vehicles_of(call.settings, session_id)


@functions_framework.http
@endpoint("tesla_session_select")
def tesla_session_select(call: Call) -> SelectResponse:
    session_id = sessions.require_well_formed(call.path_params["session_id"])
    return selection.select(
        call.settings, session_id, vehicle_ids=call.body.vehicle_ids, package=call.body.package
    )
