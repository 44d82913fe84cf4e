"""Seeing the connected cars and choosing cars and a package (before payment)."""

from __future__ import annotations

from typing import Final

from shared.orders import order_state, sessions
from shared.orders.models import SelectResponse, VehiclesResponse, VehicleState, VehicleView
from shared.orders.records import PaymentRecord
from shared.platform import errors
from shared.platform.settings import Settings
from shared.platform.signals import Signal, signal
from shared.product.catalog import Package

# The states the brand reported that the WUI shows as such; anything else is "unknown".
_KNOWN_STATES: Final[dict[str, VehicleState]] = {
    "online": "online",
    "asleep": "asleep",
    "offline": "offline",
}


def vehicles_of(settings: Settings, session_id: str) -> VehiclesResponse:
    """The cars cached in the session at connect time — no call to the brand."""
    session = sessions.load_session(settings, session_id)
    order_state.apply("view_vehicles", session.status)
    return VehiclesResponse(
        vehicles=[
            VehicleView(
                **vehicle.shown(),
                state=_KNOWN_STATES.get(vehicle.state, "unknown"),
            )
            for vehicle in session.vehicles
        ]
    )


def select(
    settings: Settings, session_id: str, *, vehicle_ids: list[int], package: Package
) -> SelectResponse:
    """Set the selection; a new selection voids any quote or pending payment of the old one."""
    chosen = sorted(vehicle_ids)
    changed_by_us = {"changed": False}

    def choose(
        session: sessions.OrderSession,
    ) -> tuple[sessions.OrderSession, PaymentRecord | None]:
        """The new session and the payment it voided."""
        status = order_state.apply("select", session.status)
        unknown = [vid for vid in vehicle_ids if session.vehicle_by_id(vid) is None]
        if unknown:
            raise errors.ValidationFailed(
                [
                    {
                        "field": "vehicle_ids",
                        "problem": "not cars of this session: "
                        + ", ".join(str(vehicle_id) for vehicle_id in unknown[:10]),
                    }
                ]
            )
        changed_by_us["changed"] = False
        if chosen == session.selected_vehicle_ids and package == session.selected_package:
            return session, None  # the same choice again (a double click) changes nothing
        changed_by_us["changed"] = True
        changed = session.model_copy(
            update={
                "status": status,
                "selected_vehicle_ids": chosen,
                "selected_package": package,
                "selection_version": session.selection_version + 1,
                "quote": None,
                "payment": None,
                "superseded_payment": session.payment or session.superseded_payment,
            }
        )
        return changed, session.payment

    stored, voided = sessions.update(settings, sessions.session_key(session_id), choose)
    if changed_by_us["changed"] and stored.session.selection_version == 1:
        # The funnel counts an order's first selection once; later changes are not new orders.
        signal(
            Signal.ORDER_SELECTED,
            order_id=stored.session.order_id,
            package=str(package),
            vehicle_count=len(chosen),
        )
    if voided is not None and voided.intent_id:
        # Outside the write (a provider call): stop the old intent being paid at all.
        # If a payment on it is already in flight, settlement refunds it (docs/payments.md).
        from shared.gateways.facade import cancel_intent

        cancel_intent(settings, provider=voided.provider, intent_id=voided.intent_id)
    return SelectResponse(
        status=stored.session.status.value,
        vehicle_count=len(stored.session.selected_vehicle_ids),
        package=stored.session.selected_package or package,
    )
