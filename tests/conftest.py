"""Shared fixtures: the real emulators and simulators, started once per run, and the app on them.

Only tests that ask for a fixture pay for what it starts. ``app_env`` points the functions'
settings at the emulators and the Tesla simulator; ``function_client`` and ``gateway`` call the
functions the way functions-framework and the public entry do.

Every test gets one tier marker at collection (``pytest -m pure`` for the fast loop):

- ``system``: in a system folder (tests/dev, tests/localcloud), or it drives Chromium (the
  ``chromium`` fixture), or its test function, a fixture it
  uses or a helper of theirs in the same module spawns a process (``subprocess``, ``os.system``…);
- ``integration``: its fixture closure reaches a service fixture, i.e. one of tests/fixtures/
  (emulators, simulators, webhook servers), directly or through any fixture that depends on one;
  or it (or a fixture or helper of its module) uses what ``SERVICE_MODULES`` define;
- ``pure``: everything else. An explicit tier marker on a test is kept as written.
"""

from __future__ import annotations

import ast
import functools
import inspect
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from flask.testing import FlaskClient
from functions_framework import create_app
from werkzeug.test import Client

from dev.localcloud import ensure_bucket, register_stripe_webhook
from dev.serving import serve_in_thread
from shared.platform.logs import CloudLoggingFormatter
from tests.fixtures.localcloud import *  # noqa: F403
from tests.fixtures.localcloud import TEST_PROJECT, LocalCloud
from tests.fixtures.paypal_sim import *  # noqa: F403
from tests.fixtures.paypal_sim import PayPalSimulator
from tests.fixtures.tesla_sim import *  # noqa: F403
from tests.fixtures.tesla_sim import TeslaSimulator

TESTS_ROOT = Path(__file__).resolve().parent
ENTRY_MODULE = str(TESTS_ROOT.parent / "main.py")
TEST_COMMERCE = TESTS_ROOT / "pricing" / "data"

# The simulators' and gateway's per-request werkzeug lines would repeat what our own access log
# says, and background deliveries would print them between tests.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _forget_cached_configuration() -> None:
    from shared.platform.clients import reset_clients
    from shared.platform.oidc import forget_keys
    from shared.platform.settings import get_settings
    from shared.pricing.book import clear_commerce_cache

    get_settings.cache_clear()
    clear_commerce_cache()
    reset_clients()
    forget_keys()


@pytest.fixture(scope="session")
def app_env(
    local_cloud: LocalCloud, tesla_sim: TeslaSimulator, paypal_sim: PayPalSimulator
) -> Iterator[dict[str, str]]:
    """The environment the functions run with in tests: emulators, simulators, test project.

    ``local_cloud`` already put the Cloud Tasks emulator (simulators/cloud_tasks) in os.environ:
    CPT_TASKS_EMULATOR_HOST for enqueueing, CPT_TASKS_OIDC_CERTS_URL for the worker to verify
    the tokens it signs.
    """
    env = {
        "CPT_ENVIRONMENT": "local",
        "CPT_PROJECT_ID": TEST_PROJECT,
        "CPT_REPORTS_BUCKET": "cpt-test-reports",
        "CPT_TESLA_AUTH_URL": f"{tesla_sim.url}/oauth2/v3",
        "CPT_TESLA_FLEET_URL_TEMPLATE": f"{tesla_sim.url}/{{region}}",
        "CPT_PAYPAL_API_BASE": paypal_sim.url,
        # The tests' own commerce data (local: it stands in for what the emulator lacks), never
        # the repository's seed files in config/.
        "CPT_PRICE_BOOK_PATH": str(TEST_COMMERCE / "price_book.json"),
        "CPT_VOUCHERS_PATH": str(TEST_COMMERCE / "app_vouchers.json"),
        "CPT_SELLER_PATH": str(TEST_COMMERCE / "seller.json"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        _forget_cached_configuration()
        ensure_bucket(env["CPT_REPORTS_BUCKET"], local_cloud.env["STORAGE_EMULATOR_HOST"])
        yield env
    _forget_cached_configuration()


@pytest.fixture(scope="session")
def live_gateway(app_env: dict[str, str], local_cloud: LocalCloud) -> Iterator[str]:
    """Every function behind the gateway on a real port, for callers that need HTTP: localstripe
    and the PayPal simulator deliver their webhooks here. Yields the base URL."""
    from dev.gateway import Gateway
    from shared.platform.settings import get_settings

    with serve_in_thread(Gateway(), "live-gateway") as url, pytest.MonkeyPatch.context() as patch:
        # Cloud Tasks (the emulator) delivers report tasks to the worker behind this gateway.
        patch.setenv("CPT_WORKER_URL", f"{url}/api/v1/internal/reports/worker")
        _forget_cached_configuration()
        register_stripe_webhook(
            local_cloud.env["CPT_STRIPE_API_BASE"],
            name="cpt-tests",
            url=f"{url}/api/v1/payment/verify",
            secret=get_settings().stripe_webhook_secret.get_secret_value(),
        )
        yield url
    _forget_cached_configuration()


@pytest.fixture
def function_client(app_env: dict[str, str]) -> Callable[[str], FlaskClient]:
    """``function_client("health")``: one function, loaded from main.py as the buildpack does."""
    return lambda target: create_app(target, ENTRY_MODULE).test_client()


@pytest.fixture
def gateway(app_env: dict[str, str]) -> Client:
    """Every function behind the local gateway, as the WUI reaches them."""
    from dev.gateway import Gateway

    return Client(Gateway())


class SecretsLedger:
    """Secrets the tests saw (session ids, tokens); none may ever appear in a log line."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: str | None) -> None:
        self.values.update(v for v in values if v and len(v) >= 16)


class _FormattedLogCapture(logging.Handler):
    """Keeps every record of the run as the JSON line Cloud Logging would receive."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(CloudLoggingFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def seen_secrets() -> Iterator[SecretsLedger]:
    """Register secrets here; at the end of the run no captured log line may contain one.

    Autouse, so the capture spans the whole run: every line any test caused to be logged.
    """
    ledger = SecretsLedger()
    capture = _FormattedLogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)  # what production logs
    yield ledger
    root.removeHandler(capture)
    leaked = [s for s in ledger.values if any(s in line for line in capture.lines)]
    if ledger.values:
        assert capture.lines, "no log line was captured: the check would prove nothing"
    assert not leaked, f"{len(leaked)} secret(s) appeared in the logs"
    # Also the ones no test registered: no path segment shaped like a session id (issue 12).
    from tests.platform.test_no_session_ids_in_logs import SESSION_ID_IN_PATH

    shaped = [line for line in capture.lines if SESSION_ID_IN_PATH.search(line)]
    assert not shaped, f"{len(shaped)} log line(s) carry a session-id-shaped path segment"


# --- test tiers ---------------------------------------------------------------------------------

TIERS = ("pure", "integration", "system")
SYSTEM_FOLDERS = frozenset({"dev", "localcloud"})  # tests/<folder>: they start whole stacks
# Fixtures that start a process through a library (Playwright launching Chromium), which the
# source scan for subprocess calls cannot see.
SYSTEM_FIXTURES = frozenset({"chromium"})
# Fixtures defined here start a service (emulator, simulator, HTTP server); any fixture depending on
# one is in the same test's closure, so the closure alone tells whether a test needs a service.
SERVICE_FIXTURE_PACKAGE = "tests.fixtures."
# What these modules define starts a service or talks to one; a test (or a fixture or helper of its
# module) that uses it without a service fixture still needs the service.
SERVICE_MODULES = ("dev.localcloud", "dev.serving", "simulators.cloud_tasks.emulator")
SPAWNING_MODULES = frozenset({"subprocess", "multiprocessing"})
SPAWNING_OS_CALLS = frozenset({"system", "popen", "fork", "posix_spawn", "posix_spawnp"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(_tier(item))


def _tier(item: pytest.Item) -> str:
    if not isinstance(item, pytest.Function):
        return "pure"
    path = item.path.resolve()
    in_system_folder = (
        path.is_relative_to(TESTS_ROOT) and path.relative_to(TESTS_ROOT).parts[0] in SYSTEM_FOLDERS
    )
    fixture_funcs = list(_fixture_functions(item))
    uses = [_uses(func) for func in [item.function, *fixture_funcs]]
    starts_browser = not SYSTEM_FIXTURES.isdisjoint(item.fixturenames)
    if in_system_folder or starts_browser or any(use.spawns for use in uses):
        return "system"
    if any(use.service for use in uses) or any(
        func.__module__.startswith(SERVICE_FIXTURE_PACKAGE) for func in fixture_funcs
    ):
        return "integration"
    return "pure"


def _fixture_functions(item: pytest.Function) -> Iterable[Callable[..., Any]]:
    """The functions of every fixture in the item's closure (``fixturenames`` is transitive)."""
    for name in item.fixturenames:
        definitions = item._fixtureinfo.name2fixturedefs.get(name)
        if definitions:  # pseudo-fixtures such as ``request`` have none
            yield definitions[-1].func


class _Uses(NamedTuple):
    spawns: bool  # starts a process
    service: bool  # uses what SERVICE_MODULES define


def _uses(func: Callable[..., Any]) -> _Uses:
    """What a function of a test module, or a function of that module it calls, makes use of.

    Library code (dev/, simulators/, tests/fixtures/) is not read: the fixture or the test that
    uses it is judged by that use.
    """
    func = inspect.unwrap(func)
    try:
        path = Path(inspect.getsourcefile(func) or "").resolve()
    except TypeError:  # built-in
        return _Uses(spawns=False, service=False)
    if not path.is_relative_to(TESTS_ROOT / "fixtures") and path.is_relative_to(TESTS_ROOT):
        names, imported, os_spawn = _referenced_names(path, func.__qualname__)
        spawning = _module_index(path)[1]
        service = any(module.startswith(SERVICE_MODULES) for module in imported) or any(
            _defined_in_service_module(func.__globals__.get(name)) for name in names
        )
        return _Uses(spawns=os_spawn or bool(names & spawning), service=service)
    return _Uses(spawns=False, service=False)


def _defined_in_service_module(value: object) -> bool:
    module = getattr(value, "__module__", None)
    return isinstance(module, str) and module.startswith(SERVICE_MODULES)


def _referenced_names(path: Path, qualname: str) -> tuple[set[str], set[str], bool]:
    """Names used by the function and, transitively, by the module's functions it names; the
    modules those import from inside their bodies; whether any calls a spawning ``os`` function."""
    definitions = _module_index(path)[0]
    pending, seen = [qualname], set()
    names: set[str] = set()
    imported: set[str] = set()
    os_spawn = False
    while pending:
        name = pending.pop()
        node = definitions.get(name)
        if node is None or name in seen:
            continue
        seen.add(name)
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                names.add(child.id)
                pending.append(child.id)  # a module-level helper (anything else: not found)
            elif isinstance(child, ast.Attribute):
                os_spawn = os_spawn or _is_spawning_os_call(child)
            elif isinstance(child, ast.ImportFrom) and child.module:
                imported.add(child.module)
            elif isinstance(child, ast.Import):
                imported.update(alias.name for alias in child.names)
    return names, imported, os_spawn


def _is_spawning_os_call(node: ast.Attribute) -> bool:
    return (
        isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and (node.attr in SPAWNING_OS_CALLS or node.attr.startswith(("exec", "spawn")))
    )


FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@functools.cache
def _module_index(path: Path) -> tuple[dict[str, FunctionNode], frozenset[str]]:
    """A test module's functions by qualified name, and the names it binds to spawning APIs."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return _functions_by_qualname(tree), _spawning_names(tree)


def _functions_by_qualname(tree: ast.Module) -> dict[str, FunctionNode]:
    definitions: dict[str, FunctionNode] = {}
    for node in tree.body:
        if isinstance(node, FunctionNode):
            definitions[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for member in node.body:
                if isinstance(member, FunctionNode):
                    definitions[f"{node.name}.{member.name}"] = member
    return definitions


def _spawning_names(tree: ast.Module) -> frozenset[str]:
    """``subprocess`` (or its alias) and names imported from the spawning modules."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in SPAWNING_MODULES:
                    names.add(alias.asname or top)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
            SPAWNING_MODULES
        ):
            names.update(alias.asname or alias.name for alias in node.names)
    return frozenset(names)


@pytest.fixture(autouse=True)
def _no_report_tasks_left_for_later_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that paid an order may leave report tasks queued, retrying or still running;
    delivered during a later test, they would call the Tesla simulator there. After each test on
    the local cloud, let what is in flight finish (bounded), then empty the Cloud Tasks emulator
    (queues, tombstones, faults and clock as configured)."""
    on_local_cloud = "local_cloud" in request.fixturenames
    emulator = request.getfixturevalue("tasks_emulator") if on_local_cloud else None
    yield
    if emulator is not None:
        emulator.wait_idle(timeout=3)  # a build in flight ends in ~1 s; retries are purged
        emulator.reset()
