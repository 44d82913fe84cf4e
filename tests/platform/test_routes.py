"""The route table is consistent, and main.py serves exactly its targets, lazily."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from functions.routes import API_PREFIX, ROUTES, ROUTES_BY_TARGET

MEMORY_SIZES = {"128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi", "8Gi"}


def test_targets_and_paths_are_unique():
    assert len(ROUTES_BY_TARGET) == len(ROUTES)
    assert len({(r.method, r.path) for r in ROUTES}) == len(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.target)
def test_every_route_is_well_formed(route):
    assert route.path.startswith("/") and not route.path.startswith(API_PREFIX)
    assert route.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert route.memory in MEMORY_SIZES
    assert 1 <= route.timeout_s <= 3600  # 2nd-gen HTTP functions: at most 60 minutes
    assert route.function_name.replace("-", "").isalnum()
    assert route.function_name == route.target.replace("_", "-")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.target)
def test_main_resolves_every_target_to_its_entry_point(route):
    main = importlib.import_module("main")
    entry = getattr(main, route.target)
    assert entry.__name__ == route.target
    assert entry.__module__ == route.module
    assert route.target in dir(main)


def test_main_has_no_other_targets():
    main = importlib.import_module("main")
    with pytest.raises(AttributeError):
        main.not_a_function  # noqa: B018


def test_loading_main_imports_no_entry_module_or_cloud_client():
    """Cold start: main.py alone must not import any function module or Google client."""
    code = (
        "import sys, main; "
        "loaded = [m for m in sys.modules if m.startswith(('functions.', 'google.cloud.'))]; "
        "print(','.join(m for m in loaded if m != 'functions.routes'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_path_parameters_are_read_from_the_template():
    from shared.platform.routing import Route

    route = Route(
        target="t", method="GET", path="/a/{first}/b/{second}", module="m", summary="", tag="x"
    )
    assert route.path_params == ("first", "second")
    assert route.path_pattern.search("/api/v1/a/1/b/2").groupdict() == {"first": "1", "second": "2"}
    assert route.full_path_pattern.match("/api/v1/a/1/b/2")
    assert not route.full_path_pattern.match("/api/v1/a/1/b/2/c")
    assert not route.path_pattern.search("/api/v1/a/1/x/b/2")
