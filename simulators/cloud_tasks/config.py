"""Emulator settings, and Cloud Tasks' documented limits and (UNVERIFIED) defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

# --- documented limits (google-cloud-tasks 2.26.0 docstrings) -----------------------------------
MAX_DISPATCHES_PER_SECOND_LIMIT = 500.0  # RateLimits.max_dispatches_per_second
MAX_CONCURRENT_DISPATCHES_LIMIT = 5_000  # RateLimits.max_concurrent_dispatches
MIN_DISPATCH_DEADLINE_SECONDS = 15.0  # Task.dispatch_deadline for HTTP tasks: [15 s, 30 min]
MAX_DISPATCH_DEADLINE_SECONDS = 30 * 60.0
DEFAULT_DISPATCH_DEADLINE_SECONDS = 10 * 60.0  # "the default is 10 minutes"
MAX_TASK_BYTES = 100 * 1024  # CreateTask: "The maximum task size is 100KB"
MAX_URL_LENGTH = 2083  # HttpRequest.url, after encoding
TASK_RETENTION_SECONDS = 31 * 86_400  # CreateQueue: tasks live at most 31 days
MAX_LIST_QUEUES_PAGE = 9_800
MAX_LIST_TASKS_PAGE = 1_000


@dataclass
class QueueDefaults:
    """What Cloud Tasks picks when a queue is created without a value ("Cloud Tasks will pick the
    default"). UNVERIFIED: the values gcloud shows for a new queue, not a documented contract."""

    max_dispatches_per_second: float = 500.0
    max_concurrent_dispatches: int = 1_000
    max_attempts: int = 100
    max_retry_duration_seconds: float = 0.0  # 0 = unlimited
    min_backoff_seconds: float = 0.1
    max_backoff_seconds: float = 3_600.0
    max_doublings: int = 16


@dataclass
class CloudTasksConfig:
    # --- where it listens -------------------------------------------------------------------------
    host: str = "127.0.0.1"  # loopback only, unlike the old emulator which bound [::]
    grpc_port: int = 0  # 0: a free port (the in-process API reports it)
    http_port: int = 0
    public_url: str | None = None  # root advertised in the OpenID configuration (jwks_uri)

    # --- queues -------------------------------------------------------------------------------
    # Full queue paths created at start-up and after every reset.
    queues: list[str] = field(default_factory=list)
    # Defaults for values a CreateQueue request leaves unset (and for the queues above).
    queue_defaults: QueueDefaults = field(default_factory=QueueDefaults)

    # --- tasks --------------------------------------------------------------------------------
    # How long a completed, failed or deleted task's name stays taken (ALREADY_EXISTS). The docs
    # say "up to 24 hours" (2.26.0) and "~1 hour" (2.23.0); the longest is the safe default.
    dedup_window_seconds: float = 24 * 3_600.0
    # Finished tasks kept for the admin API (oldest dropped first).
    history_limit: int = 5_000

    # --- dispatch -----------------------------------------------------------------------------
    # Threads sending HTTP requests; caps the total in-flight dispatches across all queues.
    worker_threads: int = 128
    # Longest the scheduler sleeps between looks (it is also woken by every change).
    scheduler_tick_seconds: float = 0.25
    user_agent: str = "Google-Cloud-Tasks"

    # --- OIDC tokens --------------------------------------------------------------------------
    oidc_issuer: str = "https://accounts.google.com"
    oidc_token_lifetime_seconds: int = 3_600
    certs_max_age_seconds: int = 300  # Cache-Control on the certificate endpoints

    # --- time ---------------------------------------------------------------------------------
    freeze_clock: bool = False


# Settings an admin may change at runtime through POST /admin/settings (reset restores them).
RUNTIME_SETTINGS: tuple[str, ...] = (
    "dedup_window_seconds",
    "oidc_issuer",
    "oidc_token_lifetime_seconds",
)
