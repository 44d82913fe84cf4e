"""create_app(): one Flask app serving PayPal's REST API, the checkout page and /admin."""

from __future__ import annotations

from flask import Flask, Response, request

from .admin import create_admin_blueprint
from .auth import create_auth_blueprint
from .checkout import create_checkout_blueprint
from .config import PayPalSimulatorConfig
from .disputes import create_disputes_blueprint, create_money_admin_blueprint
from .errors import PayPalError
from .events import DeliveryWorker
from .notifications import create_notifications_blueprint
from .orders import create_orders_blueprint
from .pipeline import Pipeline
from .refunds import create_refunds_blueprint
from .responses import error_response, json_response
from .state import SimulatorState


def create_app(config: PayPalSimulatorConfig | None = None) -> Flask:
    state = SimulatorState(config or PayPalSimulatorConfig())
    pipeline = Pipeline(state, DeliveryWorker(state))
    app = Flask(__name__, static_folder=None)
    app.extensions["paypal_state"] = state
    app.extensions["paypal_pipeline"] = pipeline
    app.register_blueprint(create_auth_blueprint(state, pipeline))
    app.register_blueprint(create_orders_blueprint(state, pipeline))
    app.register_blueprint(create_checkout_blueprint(state, pipeline))
    app.register_blueprint(create_notifications_blueprint(state, pipeline))
    app.register_blueprint(create_refunds_blueprint(state, pipeline))
    app.register_blueprint(create_disputes_blueprint(state, pipeline))
    app.register_blueprint(create_admin_blueprint(state, pipeline))
    app.register_blueprint(create_money_admin_blueprint(state, pipeline))

    @app.before_request
    def before() -> None:
        if request.path == "/health":
            return
        state.last_root_url = (state.settings.public_url or request.host_url).rstrip("/")
        pipeline.housekeeping()

    @app.get("/health")
    def health() -> Response:
        return json_response({"status": "ok"})

    @app.errorhandler(404)
    def not_found(_error: Exception) -> Response:
        return error_response(PayPalError("RESOURCE_NOT_FOUND"))

    @app.errorhandler(405)
    def not_allowed(_error: Exception) -> Response:
        return error_response(PayPalError("METHOD_NOT_SUPPORTED"))

    return app
