"""Seeing the connected cars and choosing cars and a package (before payment)."""

from __future__ import annotations

from typing import Any

from shared.cars.vehicles import mask_vin, model_name, model_year
from shared.orders import order_state, sessions
from shared.orders.models import SelectResponse, VehiclesResponse, VehicleView
from shared.platform import errors
from shared.platform.settings import Settings


def vehicles_of(settings: Settings, session_id: str) -> VehiclesResponse:
    """The cars cached in the session at connect time — no call to the brand."""
    session = sessions.load_session(settings, session_id)
    order_state.apply("view_vehicles", session.status)
    return VehiclesResponse(
        vehicles=[
            VehicleView(
                id=vehicle.id,
                vin=mask_vin(vehicle.vin),
                display_name=vehicle.display_name,
                model=model_name(vehicle.vin, vehicle.car_type),
                year=model_year(vehicle.vin),
                state=vehicle.state,  # type: ignore[arg-type]
            )
            for vehicle in session.vehicles
        ]
    )


def select(
    settings: Settings, session_id: str, *, vehicle_ids: list[int], package: str
) -> SelectResponse:
    """Set the selection; a new selection voids any quote or pending payment of the old one."""
    voided_by_this_call: dict[str, Any] = {}

    def choose(session: sessions.OrderSession) -> sessions.OrderSession:
        voided_by_this_call.clear()  # Firestore may run this more than once
        status = order_state.apply("select", session.status)
        unknown = [vid for vid in vehicle_ids if session.vehicle_by_id(vid) is None]
        if unknown:
            raise errors.ValidationFailed(
                [{"field": "vehicle_ids", "problem": f"not cars of this session: {unknown[:10]}"}]
            )
        if sorted(vehicle_ids) == session.selected_vehicle_ids and package == (
            session.selected_package
        ):
            return session  # the same choice again (a double click) changes nothing
        voided_by_this_call["payment"] = session.payment
        return session.model_copy(
            update={
                "status": status,
                "selected_vehicle_ids": sorted(vehicle_ids),
                "selected_package": package,
                "selection_version": session.selection_version + 1,
                "quote": None,
                "payment": None,
                "superseded_payment": session.payment or session.superseded_payment,
            }
        )

    session = sessions.update_session(settings, session_id, choose)
    voided = voided_by_this_call.get("payment")
    if voided and voided.get("intent_id"):
        # Outside the transaction (a provider call): stop the old intent being paid at all.
        # If a payment on it is already in flight, settlement refunds it (docs/payments.md).
        from shared.gateways.facade import cancel_intent

        cancel_intent(settings, voided)
    return SelectResponse(
        status=session.status.value,
        vehicle_count=len(session.selected_vehicle_ids),
        package=session.selected_package,  # type: ignore[arg-type]
    )
