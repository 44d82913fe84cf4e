"""HTTP side: health, the OIDC certificate endpoints, and the admin API under /admin.

The admin API is JSON in, JSON out, without auth (local use only): reset, the simulated clock,
queues (create/update in the REST API's JSON shape, pause/resume/purge/delete), tasks with every
attempt, RunTask, faults, minting tokens for tests, key rotation, and waiting until idle.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from google.protobuf import json_format  # type: ignore[import-untyped]

from .config import RUNTIME_SETTINGS
from .dispatcher import Dispatcher
from .errors import ApiError
from .model import QueueRecord
from .oidc import OidcSigner
from .state import PAUSED, RUNNING, EmulatorState
from .views import QUEUE_PB, VIEW_FULL

MAX_WAIT_SECONDS = 120.0
CLAIMS = ["aud", "azp", "email", "email_verified", "exp", "iat", "iss", "sub"]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _json(payload: Any, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def _error(message: str, status: int = 400) -> Response:
    return _json({"error": message}, status)


def _api_error(error: ApiError) -> Response:
    status = {"NOT_FOUND": 404, "ALREADY_EXISTS": 409, "UNIMPLEMENTED": 501}.get(error.code_name)
    return _json({"error": error.message, "code": error.code_name}, status or 400)


def describe_queue(queue: QueueRecord) -> dict[str, Any]:
    described: dict[str, Any] = json_format.MessageToDict(
        queue.pb, preserving_proto_field_name=True
    )
    return described | {"in_flight": queue.in_flight, "live_tasks": len(queue.tasks)}


def create_public_blueprint(state: EmulatorState, signer: OidcSigner) -> Blueprint:
    blueprint = Blueprint("cloud_tasks_public", __name__)

    def cacheable(payload: Any) -> Response:
        response = _json(payload)
        response.headers["Cache-Control"] = f"public, max-age={state.config.certs_max_age_seconds}"
        return response

    @blueprint.get("/health")
    def health() -> Response:
        return _json({"status": "ok"})

    @blueprint.get("/oauth2/v3/certs")
    def jwks() -> Response:
        return cacheable(signer.jwks())

    @blueprint.get("/oauth2/v1/certs")
    def pem_certs() -> Response:
        return cacheable(signer.pem_certificates())

    @blueprint.get("/.well-known/openid-configuration")
    def openid_configuration() -> Response:
        root = (state.config.public_url or request.host_url).rstrip("/")
        return _json(
            {
                "issuer": state.settings.oidc_issuer,
                "jwks_uri": f"{root}/oauth2/v3/certs",
                "id_token_signing_alg_values_supported": ["RS256"],
                "subject_types_supported": ["public"],
                "response_types_supported": ["id_token"],
                "claims_supported": CLAIMS,
            }
        )

    return blueprint


def create_admin_blueprint(
    state: EmulatorState, dispatcher: Dispatcher, signer: OidcSigner
) -> Blueprint:
    blueprint = Blueprint("cloud_tasks_admin", __name__, url_prefix="/admin")
    blueprint.register_error_handler(ApiError, _api_error)

    @blueprint.post("/reset")
    def reset() -> Response:
        dispatcher.cut(state.reset())
        return _json({"reset": True, "now": state.clock.now()})

    _clock_routes(blueprint, state)
    _settings_routes(blueprint, state)
    _queue_routes(blueprint, state)
    _task_routes(blueprint, state, dispatcher)
    _fault_routes(blueprint, state)
    _oidc_routes(blueprint, state, signer)
    return blueprint


def _clock_routes(blueprint: Blueprint, state: EmulatorState) -> None:
    def clock_view() -> dict[str, Any]:
        clock = state.clock
        return {"now": clock.now(), "offset_seconds": clock.offset_seconds, "frozen": clock.frozen}

    @blueprint.get("/clock")
    def clock() -> Response:
        return _json(clock_view())

    @blueprint.post("/clock")
    def clock_update() -> Response:
        body = _body()
        try:
            if "freeze" in body:
                state.clock.set_frozen(bool(body["freeze"]))
            if "advance_seconds" in body:
                state.clock.advance(float(body["advance_seconds"]))
        except (TypeError, ValueError) as error:
            return _error(str(error))
        state.notify()  # due tasks and passed deadlines are acted on at once
        return _json(clock_view())


def _settings_routes(blueprint: Blueprint, state: EmulatorState) -> None:
    def settings_view() -> dict[str, Any]:
        return {name: getattr(state.settings, name) for name in RUNTIME_SETTINGS}

    @blueprint.get("/settings")
    def settings() -> Response:
        return _json(settings_view())

    @blueprint.post("/settings")
    def settings_update() -> Response:
        body = _body()
        unknown = sorted(set(body) - set(RUNTIME_SETTINGS))
        if unknown:
            return _error(f"unknown settings {unknown}; allowed: {list(RUNTIME_SETTINGS)}")
        try:
            values = {name: type(getattr(state.settings, name))(v) for name, v in body.items()}
        except (TypeError, ValueError) as error:
            return _error(str(error))
        with state.lock:
            for name, value in values.items():
                setattr(state.settings, name, value)
            return _json(settings_view())


def _queue_routes(blueprint: Blueprint, state: EmulatorState) -> None:
    def found_queue(text: str) -> QueueRecord:
        queue = state.find_queue(text)
        if queue is None:
            raise ApiError("NOT_FOUND", f"no such queue {text}")
        return queue

    @blueprint.get("/queues")
    def queues() -> Response:
        with state.lock:
            return _json({"queues": [describe_queue(q) for q in state.queues.values()]})

    @blueprint.post("/queues")
    def queue_put() -> Response:
        """Create or update a queue; body in the REST API's JSON (durations like "0.5s")."""
        try:
            message = json_format.ParseDict(_body(), QUEUE_PB())
        except json_format.ParseError as error:
            return _error(str(error))
        state.update_queue(message, [])
        with state.lock:
            return _json(describe_queue(found_queue(message.name)))

    @blueprint.post("/queues/<path:queue>/<any(pause, resume, purge):action>")
    def queue_action(queue: str, action: str) -> Response:
        with state.lock:
            name = found_queue(queue).name
        if action == "purge":
            state.purge_queue(name)
        else:
            state.set_queue_state(name, PAUSED if action == "pause" else RUNNING)
        with state.lock:
            return _json(describe_queue(found_queue(name)))

    @blueprint.delete("/queues/<path:queue>")
    def queue_delete(queue: str) -> Response:
        with state.lock:
            name = found_queue(queue).name
        state.delete_queue(name)
        return _json({"deleted": name})


def _task_routes(blueprint: Blueprint, state: EmulatorState, dispatcher: Dispatcher) -> None:
    @blueprint.get("/tasks")
    def tasks() -> Response:
        """Every task (finished ones too) with its attempts; filters: queue, state, live."""
        queue_filter = request.args.get("queue")
        state_filter = request.args.get("state")
        live_only = request.args.get("live") in ("1", "true")
        with state.lock:
            queue = state.find_queue(queue_filter) if queue_filter else None
            if queue_filter and queue is None:
                return _error(f"no such queue {queue_filter}", 404)
            found = [
                task.describe()
                for task in state.all_tasks()
                if (queue is None or task.name.queue == queue.name)
                and (state_filter is None or task.state == state_filter)
                and (not live_only or task.live)
            ]
        return _json({"tasks": found, "now": state.clock.now()})

    @blueprint.get("/tasks/<path:name>")
    def task(name: str) -> Response:
        with state.lock:
            found = state.find_task(name)
            if found is None:
                return _error(f"no such task {name}", 404)
            return _json(found.describe())

    @blueprint.post("/tasks/<path:name>/run")
    def task_run(name: str) -> Response:
        """RunTask through the admin API (the client's run_task does the same)."""
        with state.lock:
            found = state.find_task(name)
            if found is None or not found.live:
                return _error(f"no such live task {name}", 404)
        dispatcher.run_now(found.full_name, VIEW_FULL)
        with state.lock:
            return _json(found.describe())

    @blueprint.post("/wait-idle")
    def wait_idle() -> Response:
        """Block until nothing is in flight or due now (or ``timeout`` seconds pass)."""
        timeout = min(float(_body().get("timeout", 10.0)), MAX_WAIT_SECONDS)
        deadline = time.monotonic() + timeout
        with state.changed:
            while not state.idle() and time.monotonic() < deadline:
                state.changed.wait(timeout=0.05)
            return _json({"idle": state.idle(), "now": state.clock.now()})


def _fault_routes(blueprint: Blueprint, state: EmulatorState) -> None:
    @blueprint.get("/faults")
    def faults() -> Response:
        return _json({"faults": state.faults.describe()})

    @blueprint.post("/faults")
    def fault_add() -> Response:
        try:
            rule = state.faults.add(_body())
        except (TypeError, ValueError) as error:
            return _error(str(error))
        return _json(next(r for r in state.faults.describe() if r["id"] == rule.id), 201)

    @blueprint.delete("/faults")
    def faults_clear() -> Response:
        state.faults.clear()
        return _json({"faults": []})

    @blueprint.delete("/faults/<int:rule_id>")
    def fault_remove(rule_id: int) -> Response:
        if not state.faults.remove(rule_id):
            return _error("no such fault", 404)
        return _json({"removed": rule_id})


def _oidc_routes(blueprint: Blueprint, state: EmulatorState, signer: OidcSigner) -> None:
    @blueprint.post("/oidc/token")
    def oidc_token() -> Response:
        """A token like the ones tasks carry, for worker tests: ``audience`` and ``email``
        required; ``lifetime`` (s), ``issued_at`` (epoch s), ``issuer`` optional."""
        body = _body()
        if not body.get("audience") or not body.get("email"):
            return _error("audience and email are required")
        token = signer.token(
            issuer=str(body.get("issuer") or state.settings.oidc_issuer),
            audience=str(body["audience"]),
            email=str(body["email"]),
            lifetime=int(body.get("lifetime", state.settings.oidc_token_lifetime_seconds)),
            issued_at=int(body["issued_at"]) if "issued_at" in body else None,
        )
        return _json({"token": token, "kid": signer.current_kid})

    @blueprint.post("/oidc/rotate")
    def oidc_rotate() -> Response:
        return _json({"kid": signer.rotate(), "keys": len(signer.jwks()["keys"])})


def create_app(state: EmulatorState, dispatcher: Dispatcher, signer: OidcSigner) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.extensions["cloud_tasks_state"] = state
    app.register_blueprint(create_public_blueprint(state, signer))
    app.register_blueprint(create_admin_blueprint(state, dispatcher, signer))

    @app.errorhandler(404)
    def not_found(_exception: Exception) -> Response:
        return _error("not found", 404)

    return app
