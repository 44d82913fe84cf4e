"""Google Cloud clients, created lazily once per instance (the tips-lazy-globals pattern).

Each client library is imported inside its accessor, so a function pays the import only when it
uses the service — cold start matters. Emulators are picked up the way each library expects:
``FIRESTORE_EMULATOR_HOST`` and ``STORAGE_EMULATOR_HOST`` by the libraries themselves, the Cloud
Tasks emulator through ``CPT_TASKS_EMULATOR_HOST`` (the tasks library has no emulator variable).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import TYPE_CHECKING

from shared.platform.settings import get_settings

# google.cloud.storage by module path: for this untyped package (no py.typed) that is the one
# form mypy resolves reliably.
if TYPE_CHECKING:
    from google.cloud import firestore, tasks_v2
    from google.cloud.storage import Client as StorageClient

_lock = threading.Lock()


def firestore_client() -> firestore.Client:
    with _lock:
        return _firestore_client()


@cache
def _firestore_client() -> firestore.Client:
    from google.cloud import firestore

    return firestore.Client(project=get_settings().project_id)


def storage_client() -> StorageClient:
    with _lock:
        return _storage_client()


@cache
def _storage_client() -> StorageClient:
    from google.cloud.storage import Client

    return Client(project=get_settings().project_id)


def tasks_client() -> tasks_v2.CloudTasksClient:
    with _lock:
        return _tasks_client()


@cache
def _tasks_client() -> tasks_v2.CloudTasksClient:
    from google.cloud import tasks_v2

    emulator = get_settings().tasks_emulator_host
    if not emulator:
        return tasks_v2.CloudTasksClient()
    import grpc
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    # The emulator speaks plain gRPC; api_endpoint alone would still attempt TLS.
    channel = grpc.insecure_channel(emulator)
    return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))


def reset_clients() -> None:
    """Forget the cached clients (tests that point the process at another emulator)."""
    for accessor in (_firestore_client, _storage_client, _tasks_client):
        accessor.cache_clear()
