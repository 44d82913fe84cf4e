"""The tier markers (tests/conftest.py) hold for the tests of this run: one tier each, and no
``pure`` test reaches a service fixture, not even through another fixture or an explicit mark."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.pure

TIERS = {"pure", "integration", "system"}


def _service_fixtures(item: pytest.Item) -> list[str]:
    """The fixtures of tests/fixtures/ (they start something) in the item's fixture closure."""
    if not isinstance(item, pytest.Function):
        return []
    return sorted(
        name
        for name in item.fixturenames
        for definition in item._fixtureinfo.name2fixturedefs.get(name, ())[-1:]
        if definition.func.__module__.startswith("tests.fixtures.")
    )


def test_every_test_has_exactly_one_tier(request: pytest.FixtureRequest) -> None:
    untiered = [
        item.nodeid
        for item in request.session.items
        if len({mark.name for mark in item.iter_markers()} & TIERS) != 1
    ]
    assert not untiered, untiered


def test_no_pure_test_reaches_a_service(request: pytest.FixtureRequest) -> None:
    starting = [
        f"{item.nodeid}: {_service_fixtures(item)}"
        for item in request.session.items
        if item.get_closest_marker("pure") and _service_fixtures(item)
    ]
    assert not starting, "\n".join(starting)
