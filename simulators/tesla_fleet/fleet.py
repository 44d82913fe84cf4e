"""Fleet API endpoints under ``/{region}/api/1/...`` with Tesla's checks, in Tesla's order.

Every call runs the same pipeline: injected faults -> 401 token -> 412 app not registered in
region -> 421 user out of region -> 403 scopes -> 404 vehicle -> 429 per-vehicle rate limit ->
the handler (which may answer 408 for a car that is not online). Each response lands in the
billing ledger; responses below 500 are billed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request

from .demo_data import build_options, build_release_notes, build_specs, build_warranty
from .faults import DEFAULT_ERROR_BODIES, FaultRule
from .oauth import verify_access_token
from .responses import fleet_error, json_response, regional_base_url, root_url
from .state import AccessTokenRecord, SimulatorState, VehicleRuntime
from .vehicle_data import ALL_SECTIONS, DEFAULT_SECTIONS, build_sections, vehicle_summary

REGION_RULE = "/<any(eu,na,cn):region>"
UNAVAILABLE_ERROR = "vehicle unavailable: vehicle is offline or asleep"
SORTABLE_FIELDS = (
    "sessionId",
    "vin",
    "siteLocationName",
    "chargeStartDateTime",
    "chargeStopDateTime",
    "unlatchDateTime",
    "countryCode",
    "billingType",
    "vehicleMakeType",
)
_DATE_FIELDS = ("chargeStartDateTime", "chargeStopDateTime", "unlatchDateTime")


class CallRejected(Exception):
    """Raised inside the pipeline to stop with a ready response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class CallContext:
    endpoint: str
    region: str
    token: AccessTokenRecord | None = None
    vehicle: VehicleRuntime | None = None
    vin: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> str | None:
        return self.token.account if self.token else None

    def require_account(self) -> str:
        assert self.account is not None
        return self.account


@dataclass(frozen=True)
class Route:
    endpoint: str
    scopes_any: tuple[str, ...] = ("vehicle_device_data",)
    vehicle_from_path: bool = False
    vin_only_path: bool = False  # specs takes a VIN, never the integer id
    rate_category: str | None = None  # "data" | "wake"
    partner_token_allowed: bool = False
    partner_token_required: bool = False  # user tokens refused unless the setting allows them


class FleetApi:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    # --- pipeline -----------------------------------------------------------------------------

    def run(
        self,
        route: Route,
        region: str,
        handler: Callable[[CallContext], Response],
        tag: str | None = None,
    ) -> Response:
        state = self.state
        context = CallContext(endpoint=route.endpoint, region=region)
        with state.lock:
            fault_vin = self._fault_vin(tag)
        outcome = state.faults.evaluate(route.endpoint, fault_vin)
        if outcome.latency_seconds:
            time.sleep(outcome.latency_seconds)  # outside the lock: other calls keep flowing
        with state.lock:
            try:
                if outcome.failing_rule is not None:
                    context.vin = fault_vin
                    raise CallRejected(self._fault_response(outcome.failing_rule))
                self._authenticate(context, route)
                self._resolve_vehicle(context, route, tag)
                self._rate_limit(context, route)
                response = handler(context)
            except CallRejected as rejected:
                response = rejected.response
            self._bill(context, response)
            return response

    def _fault_vin(self, tag: str | None) -> str | None:
        if tag is not None:
            vehicle = self.state.find_vehicle(tag)
            return vehicle.spec.vin if vehicle else None
        vin = request.args.get("vin")
        return vin.upper() if vin else None

    @staticmethod
    def _fault_response(rule: FaultRule) -> Response:
        if rule.kind == "rate_limit":
            return _too_many_requests(rule.retry_after_seconds, limit=0)
        error = rule.error or DEFAULT_ERROR_BODIES.get(rule.status, "injected fault")
        return fleet_error(rule.status, error)

    def _authenticate(self, context: CallContext, route: Route) -> None:
        state, settings = self.state, self.state.settings
        header = request.headers.get("Authorization", "")
        scheme, _, raw_token = header.partition(" ")
        if scheme.lower() != "bearer" or not raw_token.strip():
            raise CallRejected(fleet_error(401, "invalid bearer token"))
        verified = verify_access_token(state, raw_token.strip())
        if isinstance(verified, str):
            raise CallRejected(fleet_error(401, verified))
        context.token = verified
        if context.region not in settings.registered_regions:
            base = regional_base_url(settings, context.region)
            raise CallRejected(
                json_response(
                    {
                        "response": None,
                        "error": f"Account {verified.client_id} must be registered in the "
                        f"current region "
                        f"{base}, please see https://developer.tesla.com/docs/fleet-api/"
                        "endpoints/partner-endpoints#register",
                        "error_description": "",
                        "txid": _txid(),
                    },
                    412,
                )
            )
        if verified.account is None:
            if not route.partner_token_allowed:
                # UNVERIFIED: what Tesla answers a partner token on a user endpoint.
                raise CallRejected(fleet_error(403, "Unauthorized: third-party token required"))
        elif route.partner_token_required and not settings.specs_accept_user_tokens:
            # UNVERIFIED: Tesla's exact answer; the documentation only says partner token.
            raise CallRejected(fleet_error(403, "Unauthorized: partner token required"))
        else:
            home = state.account_regions[verified.account]
            if home != context.region:
                right = regional_base_url(settings, home)
                raise CallRejected(
                    fleet_error(
                        421,
                        f"user out of region, use base URL: {right}, see "
                        "https://developer.tesla.com/docs/fleet-api#regional-requirements",
                    )
                )
        if route.scopes_any and not any(scope in verified.scopes for scope in route.scopes_any):
            raise CallRejected(fleet_error(403, "Unauthorized missing scopes"))

    def _resolve_vehicle(self, context: CallContext, route: Route, tag: str | None) -> None:
        if not route.vehicle_from_path or tag is None:
            return
        vehicle = self.state.find_vehicle(tag)
        if vehicle is not None and route.vin_only_path and tag.upper() != vehicle.spec.vin:
            vehicle = None
        if (
            vehicle is not None
            and context.account is not None
            and vehicle.account != context.account
        ):
            vehicle = None  # another user's car looks like no car at all
        if vehicle is None:
            raise CallRejected(fleet_error(404, "not_found"))
        context.vehicle = vehicle
        context.vin = vehicle.spec.vin

    def _rate_limit(self, context: CallContext, route: Route) -> None:
        if route.rate_category is None or context.vin is None:
            return
        settings = self.state.settings
        limit = (
            settings.data_rate_limit_per_minute
            if route.rate_category == "data"
            else settings.wake_rate_limit_per_minute
        )
        decision = self.state.limiter.check(
            context.vin, route.rate_category, limit, self.state.clock.now()
        )
        if not decision.allowed:
            raise CallRejected(_too_many_requests(decision.reset_seconds, limit=limit))

    def _bill(self, context: CallContext, response: Response) -> None:
        settings = self.state.settings
        category = settings.category_of(context.endpoint)
        billed = response.status_code < 500
        self.state.ledger.record(
            at=self.state.clock.now(),
            method=request.method,
            path=request.path,
            region=context.region,
            endpoint=context.endpoint,
            category=category,
            status=response.status_code,
            billed=billed,
            cost_micro_usd=settings.price_of(category) if billed else 0,
            vin=context.vin,
            account=context.account,
            client_id=context.token.client_id if context.token else None,
            token_type=_token_type(context.token),
        )

    # --- handlers -----------------------------------------------------------------------------

    def users_region(self, context: CallContext) -> Response:
        region = self.state.account_regions[context.require_account()]
        return json_response(
            {
                "response": {
                    "region": region,
                    "fleet_api_base_url": regional_base_url(self.state.settings, region),
                }
            }
        )

    def users_me(self, context: CallContext) -> Response:
        spec = self.state.accounts[context.require_account()]
        return json_response(
            {
                "response": {
                    "email": spec.email,
                    "full_name": spec.full_name,
                    "profile_image_url": f"{root_url(self.state.settings)}/static/profile.png",
                    "vault_uuid": spec.user_uuid,
                }
            }
        )

    def vehicles(self, context: CallContext) -> Response:
        settings = self.state.settings
        page = _int_param("page", 1, minimum=1)
        per_page = _int_param("per_page", settings.vehicles_default_page_size, minimum=1)
        cars = self.state.account_vehicles(context.require_account())
        pages = max(1, -(-len(cars) // per_page))
        chunk = cars[(page - 1) * per_page : page * per_page]
        items = [vehicle_summary(v.spec, self.state.vehicle_state(v), v.in_service) for v in chunk]
        return json_response(
            {
                "response": items,
                "pagination": {
                    "previous": page - 1 if page > 1 else None,
                    "next": page + 1 if page < pages else None,
                    "current": page,
                    "per_page": per_page,
                    "count": len(cars),
                    "pages": pages,
                },
                "count": len(cars),
            }
        )

    def vehicle(self, context: CallContext) -> Response:
        vehicle = _vehicle(context)
        return json_response(
            {
                "response": vehicle_summary(
                    vehicle.spec, self.state.vehicle_state(vehicle), vehicle.in_service
                )
            }
        )

    def vehicle_data(self, context: CallContext) -> Response:
        state, settings = self.state, self.state.settings
        vehicle = _vehicle(context)
        raw = request.args.get("endpoints")
        requested = (
            {part.strip() for part in raw.replace(",", ";").split(";")}
            if raw
            else set(DEFAULT_SECTIONS)
        )
        sections = requested & set(ALL_SECTIONS)  # unknown names are ignored (UNVERIFIED)
        has_location_scope = "vehicle_location" in context.token.scopes if context.token else False
        if "location_data" in sections and not has_location_scope:
            raise CallRejected(
                fleet_error(
                    403, "Unauthorized missing scopes vehicle_location for vehicle data access"
                )
            )
        if state.vehicle_state(vehicle) != "online":
            raise CallRejected(fleet_error(settings.vehicle_unavailable_status, UNAVAILABLE_ERROR))
        now = state.clock.now()
        vehicle.last_active_at = now  # polling keeps a car awake
        body = vehicle_summary(vehicle.spec, "online", vehicle.in_service)
        body.update(
            build_sections(
                vehicle.spec,
                sections,
                now=now,
                include_location="location_data" in sections,
                include_drive_state=has_location_scope
                or not settings.drop_drive_state_without_location_scope,
            )
        )
        return json_response({"response": body})

    def wake_up(self, context: CallContext) -> Response:
        state = self.state
        vehicle = _vehicle(context)
        now = state.clock.now()
        current = state.vehicle_state(vehicle)
        if current == "asleep" and vehicle.wake_ready_at is None:
            delay = (
                vehicle.wake_delay_override
                if vehicle.wake_delay_override is not None
                else state.settings.wake_delay_seconds
            )
            vehicle.wake_ready_at = now + delay
            current = state.vehicle_state(vehicle)  # a zero delay wakes at once
        # An offline car never wakes: it stays offline until an admin brings it back.
        summary = vehicle_summary(vehicle.spec, current, vehicle.in_service)
        summary["user_id"] = state.accounts[vehicle.account].user_id
        return json_response({"response": summary})

    def recent_alerts(self, context: CallContext) -> Response:
        alerts = self.state.recent_alerts[_vehicle(context).spec.vin]
        return json_response({"response": {"recent_alerts": alerts}})

    def service_data(self, context: CallContext) -> Response:
        vehicle = _vehicle(context)
        if not vehicle.in_service:
            return json_response({"response": {}})  # observed: empty when not in service
        anchor = self.state.settings.data_anchor
        return json_response(
            {
                "response": {
                    "service_status": "in_service",
                    "service_etc": anchor.replace(hour=17, minute=30).isoformat(timespec="seconds"),
                    "service_visit_number": f"SV{vehicle.spec.id % 100_000_000:08d}",
                    "status_id": 8,
                }
            }
        )

    def release_notes(self, context: CallContext) -> Response:
        staged = request.args.get("staged", "false").lower() in ("1", "true", "yes")
        image_root = f"{root_url(self.state.settings)}/static/release_notes"
        return json_response(
            {"response": build_release_notes(_vehicle(context).spec, image_root, staged)}
        )

    def specs(self, context: CallContext) -> Response:
        return json_response({"response": build_specs(_vehicle(context).spec)})

    def charging_history(self, context: CallContext) -> Response:
        settings = self.state.settings
        rows = self.state.charging_sessions[context.require_account()]
        vin = request.args.get("vin")
        if vin:
            rows = [row for row in rows if row["vin"] == vin.upper()]
            context.vin = vin.upper()
        start, end = _time_param("startTime"), _time_param("endTime")
        if start or end:
            rows = [
                row
                for row in rows
                if (start is None or _parse_time(row["chargeStartDateTime"]) >= start)
                and (end is None or _parse_time(row["chargeStartDateTime"]) <= end)
            ]
        sort_by = request.args.get("sortBy", "chargeStartDateTime")
        if sort_by not in SORTABLE_FIELDS:
            raise CallRejected(
                fleet_error(
                    400, "invalid_field", f"sortBy must be one of {', '.join(SORTABLE_FIELDS)}"
                )
            )
        sort_order = request.args.get("sortOrder", "DESC").upper()
        if sort_order not in ("ASC", "DESC"):
            raise CallRejected(fleet_error(400, "invalid_field", "sortOrder must be ASC or DESC"))

        def sort_key(row: dict[str, Any]) -> Any:
            return _parse_time(row[sort_by]) if sort_by in _DATE_FIELDS else row[sort_by]

        rows = sorted(rows, key=sort_key, reverse=sort_order == "DESC")
        first_page = settings.charging_history_first_page
        page_no = _int_param("pageNo", first_page, minimum=first_page)
        page_size = min(
            _int_param("pageSize", settings.charging_history_default_page_size, minimum=1),
            settings.charging_history_max_page_size,
        )
        offset = (page_no - first_page) * page_size
        return self._dx({"data": rows[offset : offset + page_size], "totalResults": len(rows)})

    def charging_invoice(self, context: CallContext) -> Response:
        content_id = context.extra["content_id"]
        for row in self.state.charging_sessions[context.require_account()]:
            for invoice in row["invoices"]:
                if invoice["contentId"] == content_id:
                    context.vin = row["vin"]
                    pdf = _invoice_pdf(row)
                    response = Response(pdf, mimetype="application/pdf")
                    response.headers["Content-Disposition"] = (
                        f'attachment; filename="{invoice["fileName"]}"'
                    )
                    response.headers["x-txid"] = _txid()
                    return response
        raise CallRejected(fleet_error(404, "not_found"))

    def warranty_details(self, context: CallContext) -> Response:
        vehicle = self._vehicle_from_vin_param(context, missing_status=500)
        return self._dx(build_warranty(self.state.settings.data_anchor, vehicle.spec))

    def options(self, context: CallContext) -> Response:
        vehicle = self._vehicle_from_vin_param(context, missing_status=400)
        return self._dx(build_options(vehicle.spec))

    def _vehicle_from_vin_param(self, context: CallContext, missing_status: int) -> VehicleRuntime:
        vin = (request.args.get("vin") or "").upper()
        if not vin:
            # Observed: warranty/details answers 500 without ?vin= (and 5xx is never billed).
            error = "internal error" if missing_status >= 500 else "invalid_field"
            raise CallRejected(fleet_error(missing_status, error, "vin is required"))
        vehicle = self.state.vehicles.get(vin)
        if vehicle is None or vehicle.account != context.account:
            raise CallRejected(fleet_error(404, "not_found"))
        context.vin = vin
        return vehicle

    def _dx(self, body: dict[str, Any]) -> Response:
        return json_response({"response": body} if self.state.settings.wrap_dx_responses else body)


# --- helpers ------------------------------------------------------------------------------------


def _token_type(token: AccessTokenRecord | None) -> str | None:
    if token is None:
        return None
    return "partner" if token.account is None else "user"


def _txid() -> str:
    from .responses import txid

    return txid()


def _vehicle(context: CallContext) -> VehicleRuntime:
    assert context.vehicle is not None
    return context.vehicle


def _too_many_requests(retry_after: int, limit: int) -> Response:
    headers = {
        "Retry-After": str(retry_after),
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(retry_after),
    }
    return fleet_error(429, f"Retry in {retry_after} seconds", "rate limit exceeded", headers)


def _int_param(name: str, default: int, minimum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise CallRejected(
            fleet_error(400, "invalid_field", f"{name} must be an integer")
        ) from None
    if value < minimum:
        raise CallRejected(fleet_error(400, "invalid_field", f"{name} must be >= {minimum}"))
    return value


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("timestamp needs an offset")
    return parsed


def _time_param(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        # A "+" that was not percent-encoded arrives as a space; undo that common client bug.
        return _parse_time(raw.replace(" ", "+"))
    except ValueError:
        raise CallRejected(
            fleet_error(400, "invalid_field", f"{name} must be ISO-8601 with an offset")
        ) from None


def _invoice_pdf(row: dict[str, Any]) -> bytes:
    """A tiny but valid one-page PDF naming the session, enough for download and ZIP tests."""
    text = f"Tesla Supercharger invoice - session {row['sessionId']} - {row['siteLocationName']}"
    text = (
        text.encode("latin-1", errors="replace")
        .decode("latin-1")
        .replace("(", "[")
        .replace(")", "]")
    )
    stream = f"BT /F1 12 Tf 40 800 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    output = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    output += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    output += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(output)


def create_fleet_blueprint(state: SimulatorState) -> Blueprint:
    api = FleetApi(state)
    blueprint = Blueprint("fleet", __name__, url_prefix=REGION_RULE)
    vehicle_route = {"vehicle_from_path": True}

    def bind(
        rule: str,
        route: Route,
        handler: Callable[[CallContext], Response],
        methods: tuple[str, ...] = ("GET",),
    ) -> None:
        def view(region: str, **path: str) -> Response:
            tag = path.get("tag")

            def run_handler(context: CallContext) -> Response:
                context.extra.update(path)
                return handler(context)

            return api.run(route, region, run_handler, tag=tag)

        blueprint.add_url_rule(rule, endpoint=route.endpoint, view_func=view, methods=list(methods))

    bind("/api/1/users/region", Route("users_region", scopes_any=()), api.users_region)
    bind("/api/1/users/me", Route("users_me", scopes_any=("user_data",)), api.users_me)
    bind("/api/1/vehicles", Route("vehicles"), api.vehicles)
    bind("/api/1/vehicles/<tag>", Route("vehicle", **vehicle_route), api.vehicle)
    bind(
        "/api/1/vehicles/<tag>/vehicle_data",
        Route("vehicle_data", rate_category="data", **vehicle_route),
        api.vehicle_data,
    )
    # Docs contradict each other on the wake scope; either one is accepted.
    bind(
        "/api/1/vehicles/<tag>/wake_up",
        Route(
            "wake_up",
            scopes_any=("vehicle_device_data", "vehicle_cmds"),
            rate_category="wake",
            **vehicle_route,
        ),
        api.wake_up,
        methods=("POST",),
    )
    bind(
        "/api/1/vehicles/<tag>/recent_alerts",
        Route("recent_alerts", **vehicle_route),
        api.recent_alerts,
    )
    bind(
        "/api/1/vehicles/<tag>/service_data",
        Route("service_data", **vehicle_route),
        api.service_data,
    )
    bind(
        "/api/1/vehicles/<tag>/release_notes",
        Route("release_notes", **vehicle_route),
        api.release_notes,
    )
    bind(
        "/api/1/vehicles/<tag>/specs",
        Route(
            "specs",
            scopes_any=("vehicle_specs",),
            vehicle_from_path=True,
            vin_only_path=True,
            partner_token_allowed=True,
            partner_token_required=True,
        ),
        api.specs,
    )
    bind(
        "/api/1/dx/charging/history",
        Route("charging_history", scopes_any=("vehicle_charging_cmds",)),
        api.charging_history,
    )
    bind(
        "/api/1/dx/charging/invoice/<content_id>",
        Route("charging_invoice", scopes_any=("vehicle_charging_cmds",)),
        api.charging_invoice,
    )
    bind("/api/1/dx/warranty/details", Route("warranty_details"), api.warranty_details)
    bind("/api/1/dx/vehicles/options", Route("options"), api.options)

    @blueprint.get("/status")
    def status(region: str) -> Response:
        return Response("ok", mimetype="text/plain")

    @blueprint.route("/api/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def unknown(region: str, rest: str) -> Response:
        return fleet_error(404, "not_found", f"no such endpoint: /api/{rest}")

    return blueprint
