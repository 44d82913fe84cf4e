"""A local Cloud Tasks emulator: the v2 gRPC API, concurrent dispatch, retries, OIDC, faults."""

from .config import CloudTasksConfig, QueueDefaults
from .emulator import CloudTasksEmulator

__all__ = ["CloudTasksConfig", "CloudTasksEmulator", "QueueDefaults"]
