"""A local PayPal REST simulator: OAuth, Orders v2, buyer approval page, webhooks, faults."""

from .app import create_app
from .config import PayPalSimulatorConfig

__all__ = ["PayPalSimulatorConfig", "create_app"]
