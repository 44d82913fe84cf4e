"""A local Tesla Fleet API simulator: OAuth, regional Fleet endpoints, billing ledger, faults."""

from .app import create_app
from .config import SimulatorConfig

__all__ = ["SimulatorConfig", "create_app"]
