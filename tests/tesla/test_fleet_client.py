"""The Fleet API client against the simulator: regions, 421, errors."""

from __future__ import annotations

import pytest
import requests

from shared.platform.settings import get_settings
from shared.tesla.errors import TeslaApiError, TeslaUnavailable
from shared.tesla.fleet import FleetClient, region_base_url, region_of_base_url


def _client(tesla, account: str, region: str) -> FleetClient:
    token = tesla.login(account)["access_token"]
    return FleetClient(get_settings(), requests.Session(), access_token=token, region=region)


def test_wrong_region_421_moves_the_client_and_retries_once(tesla, app_env):
    client = _client(tesla, "na", region="eu")
    vehicles = client.list_vehicles()
    assert client.region == "na"
    assert len(vehicles) == 2
    statuses = tesla.ledger()["by_status"]
    assert statuses.get("421") == 1


def test_users_region_confirms_the_region(tesla, app_env):
    client = _client(tesla, "solo", region="eu")
    assert client.user_region() == "eu"


def test_only_configured_hosts_are_regions(app_env):
    settings = get_settings()
    assert region_of_base_url(settings, region_base_url(settings, "na") + "/") == "na"
    assert region_of_base_url(settings, "https://evil.example/na") is None


def test_errors_are_typed(tesla, app_env):
    client = _client(tesla, "solo", region="eu")
    tesla.inject(kind="error", status=503, count=1, endpoint="vehicles")
    with pytest.raises(TeslaUnavailable):
        client.list_vehicles()
    tesla.inject(kind="rate_limit", count=1, retry_after=30, endpoint="vehicles")
    with pytest.raises(TeslaApiError) as limited:
        client.list_vehicles()
    assert (limited.value.status, limited.value.retry_after_s) == (429, 30)
    bad = FleetClient(get_settings(), requests.Session(), access_token="nope", region="eu")
    with pytest.raises(TeslaApiError) as unauthorized:
        bad.list_vehicles()
    assert unauthorized.value.status == 401
