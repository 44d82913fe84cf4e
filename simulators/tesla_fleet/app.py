"""create_app(): one Flask app serving OAuth at the root and each region under /{region}."""

from __future__ import annotations

import base64

from flask import Flask, Response

from .admin import create_admin_blueprint
from .config import SimulatorConfig
from .fleet import create_fleet_blueprint
from .oauth import create_oauth_blueprint
from .responses import json_response
from .state import SimulatorState

# 1x1 transparent PNG for release-note images and profile pictures (no external hosts).
_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def create_app(config: SimulatorConfig | None = None) -> Flask:
    state = SimulatorState(config or SimulatorConfig())
    app = Flask(__name__, static_folder=None)  # /static/ serves generated images below
    app.extensions["tesla_fleet_state"] = state
    app.register_blueprint(create_oauth_blueprint(state))
    app.register_blueprint(create_fleet_blueprint(state))
    app.register_blueprint(create_admin_blueprint(state))

    @app.get("/health")
    def health() -> Response:
        return json_response({"status": "ok"})

    @app.get("/static/<path:name>")
    def static_image(name: str) -> Response:
        return Response(_PIXEL_PNG, mimetype="image/png")

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Response:
        return json_response({"response": None, "error": "not_found", "error_description": ""}, 404)

    @app.errorhandler(405)
    def not_allowed(_error: Exception) -> Response:
        return json_response(
            {"response": None, "error": "not_allowed", "error_description": ""}, 405
        )

    return app
