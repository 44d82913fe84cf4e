from __future__ import annotations

import pytest

from tests.fixtures.tesla_sim import TeslaSimulator
from tests.tesla.helpers import SimulatorClock


@pytest.fixture
def clock(tesla: TeslaSimulator, app_env: dict[str, str]) -> SimulatorClock:
    """A fresh simulator (``tesla``), settings aimed at it (``app_env``) and a fake clock."""
    return SimulatorClock(tesla)
