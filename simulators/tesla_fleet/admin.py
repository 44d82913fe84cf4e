"""Admin API under /admin: inspect and steer the simulator (JSON in, JSON out, no auth).

Tests and benchmarks use it to reset state, read the billing ledger, advance the simulated clock,
inject faults and change cars, regions and tokens.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, request

from simulators.routing import Routes

from .config import RUNTIME_SETTINGS
from .oauth import set_auto_consent
from .responses import REGIONS, json_response, regional_base_url
from .state import SimulatorState, VehicleRuntime

VEHICLE_STATES = ("online", "asleep", "offline")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _bad_request(message: str) -> Response:
    return json_response({"error": message}, 400)


routes = Routes()


class AdminApi:
    """The /admin handlers over one simulator's state."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    def describe_accounts(self) -> list[dict[str, Any]]:
        state = self.state
        described = []
        for name, spec in state.accounts.items():
            region = state.account_regions[name]
            described.append(
                {
                    "name": name,
                    "email": spec.email,
                    "full_name": spec.full_name,
                    "region": region,
                    "home_region": spec.region,
                    "fleet_api_base_url": regional_base_url(state.settings, region),
                    "user_id": spec.user_id,
                    "vehicles": [
                        self.describe_vehicle(name, vehicle)
                        for vehicle in state.account_vehicles(name)
                    ],
                }
            )
        return described

    def describe_vehicle(self, account: str, vehicle: VehicleRuntime) -> dict[str, Any]:
        state = self.state
        return {
            "id": vehicle.spec.id,
            "id_s": str(vehicle.spec.id),
            "vehicle_id": vehicle.spec.vehicle_id,
            "vin": vehicle.spec.vin,
            "display_name": vehicle.spec.display_name,
            "model": vehicle.spec.trim.model,
            "model_year": vehicle.spec.model_year,
            "car_type": vehicle.spec.trim.car_type,
            "state": state.vehicle_state(vehicle),
            "in_service": vehicle.in_service,
            "wake_ready_at": vehicle.wake_ready_at,
            "charging_sessions": sum(
                1 for row in state.charging_sessions[account] if row["vin"] == vehicle.spec.vin
            ),
        }

    @routes.get("/accounts")
    def accounts(self) -> Response:
        with self.state.lock:
            return json_response({"accounts": self.describe_accounts()})

    @routes.post("/reset")
    def reset(self) -> Response:
        self.state.reset()
        return json_response({"reset": True, "now": self.state.clock.now()})

    @routes.get("/ledger")
    def ledger(self) -> Response:
        ledger = self.state.ledger
        entries = ledger.entries(
            vin=request.args.get("vin"),
            account=request.args.get("account"),
            endpoint=request.args.get("endpoint"),
        )
        include = request.args.get("entries", "true").lower() != "false"
        return json_response(ledger.summary(entries, include_entries=include))

    @routes.delete("/ledger")
    @routes.post("/ledger/reset")
    def ledger_reset(self) -> Response:
        self.state.ledger.reset()
        return json_response({"reset": True})

    @routes.get("/clock")
    def clock(self) -> Response:
        return json_response(_clock_view(self.state))

    @routes.post("/clock")
    def clock_update(self) -> Response:
        body = _body()
        try:
            if "freeze" in body:
                self.state.clock.set_frozen(bool(body["freeze"]))
            if "advance_seconds" in body:
                self.state.clock.advance(float(body["advance_seconds"]))
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        return json_response(_clock_view(self.state))

    @routes.get("/faults")
    def faults(self) -> Response:
        return json_response({"faults": self.state.faults.describe()})

    @routes.post("/faults")
    def fault_add(self) -> Response:
        state = self.state
        try:
            rule = state.faults.add(_body(), state.settings.max_injected_latency_seconds)
        except (TypeError, ValueError) as error:
            return _bad_request(str(error))
        return json_response(asdict(rule), 201)

    @routes.delete("/faults")
    def faults_clear(self) -> Response:
        self.state.faults.clear()
        return json_response({"faults": []})

    @routes.delete("/faults/<int:rule_id>")
    def fault_remove(self, rule_id: int) -> Response:
        if not self.state.faults.remove(rule_id):
            return json_response({"error": "no such fault"}, 404)
        return json_response({"removed": rule_id})

    @routes.post("/vehicles/<tag>")
    def vehicle_update(self, tag: str) -> Response:
        state = self.state
        body = _body()
        with state.lock:
            vehicle = state.find_vehicle(tag)
            if vehicle is None:
                return json_response({"error": "not_found"}, 404)
            if "state" in body:
                if body["state"] not in VEHICLE_STATES:
                    return _bad_request(f"state must be one of {VEHICLE_STATES}")
                vehicle.state = body["state"]
                vehicle.wake_ready_at = None
                vehicle.last_active_at = state.clock.now()
            if "wake_delay_seconds" in body:
                delay = body["wake_delay_seconds"]
                vehicle.wake_delay_override = None if delay is None else float(delay)
            if "in_service" in body:
                vehicle.in_service = bool(body["in_service"])
            return json_response(
                {
                    "vin": vehicle.spec.vin,
                    "state": state.vehicle_state(vehicle),
                    "in_service": vehicle.in_service,
                    "wake_delay_seconds": vehicle.wake_delay_override,
                }
            )

    @routes.post("/tokens/expire")
    def tokens_expire(self) -> Response:
        state = self.state
        body = _body()
        account = body.get("account")
        with state.lock:
            expired = 0
            for record in state.access_tokens.values():
                if account is None or record.account == account:
                    record.revoked = True
                    expired += 1
            revoked_refresh = 0
            if body.get("refresh_tokens"):
                # Like a password reset: every refresh token answers 401 login_required.
                for refresh in state.refresh_tokens.values():
                    if account is None or refresh.account == account:
                        refresh.revoked = True
                        revoked_refresh += 1
        return json_response(
            {"expired_access_tokens": expired, "revoked_refresh_tokens": revoked_refresh}
        )

    @routes.post("/accounts/<name>/region")
    def account_region(self, name: str) -> Response:
        state = self.state
        region = _body().get("region")
        with state.lock:
            if name not in state.accounts:
                return json_response({"error": "not_found"}, 404)
            if region not in REGIONS:
                return _bad_request(f"region must be one of {REGIONS}")
            state.account_regions[name] = region
        return json_response({"name": name, "region": region})

    @routes.post("/regions")
    def regions(self) -> Response:
        registered = _body().get("registered")
        if not isinstance(registered, list) or any(r not in REGIONS for r in registered):
            return _bad_request(f"registered must be a list drawn from {REGIONS}")
        with self.state.lock:
            self.state.settings.registered_regions = list(registered)
        return json_response({"registered": registered})

    @routes.post("/redirect_uris")
    def redirect_uris(self) -> Response:
        uri = _body().get("redirect_uri")
        if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
            return _bad_request("redirect_uri must be an http(s) URL")
        settings = self.state.settings
        with self.state.lock:
            if uri not in settings.redirect_uris:
                settings.redirect_uris.append(uri)
            return json_response({"redirect_uris": settings.redirect_uris})

    @routes.post("/oauth/auto_consent")
    def auto_consent(self) -> Response:
        with self.state.lock:
            try:
                consent = set_auto_consent(self.state, _body())
            except ValueError as error:
                return _bad_request(str(error))
            return json_response(asdict(consent))

    @routes.delete("/oauth/auto_consent")
    def auto_consent_clear(self) -> Response:
        with self.state.lock:
            self.state.auto_consent = None
        return json_response({"auto_consent": None})

    def settings_view(self) -> dict[str, Any]:
        return {name: getattr(self.state.settings, name) for name in RUNTIME_SETTINGS}

    @routes.get("/settings")
    def settings(self) -> Response:
        return json_response(self.settings_view())

    @routes.post("/settings")
    def settings_update(self) -> Response:
        body = _body()
        unknown = sorted(set(body) - set(RUNTIME_SETTINGS))
        if unknown:
            return _bad_request(f"unknown settings {unknown}; allowed: {list(RUNTIME_SETTINGS)}")
        with self.state.lock:
            for name, value in body.items():
                setattr(self.state.settings, name, value)
            return json_response(self.settings_view())


def create_admin_blueprint(state: SimulatorState) -> Blueprint:
    return routes.register(Blueprint("admin", __name__, url_prefix="/admin"), AdminApi(state))


def _clock_view(state: SimulatorState) -> dict[str, Any]:
    return {
        "now": state.clock.now(),
        "offset_seconds": state.clock.offset_seconds,
        "frozen": state.clock.frozen,
    }
