"""The in-process API: start the gRPC service, the HTTP side and the dispatcher in threads.

with CloudTasksEmulator(CloudTasksConfig(queues=["projects/p/locations/l/queues/q"])) as emu:
    client = emu.client()            # official google-cloud-tasks client, insecure channel
    emu.grpc_target                  # "127.0.0.1:PORT" (CPT_TASKS_EMULATOR_HOST)
    emu.http_url                     # "http://127.0.0.1:PORT" (admin, /oauth2/v3/certs)
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any

import grpc
from werkzeug.serving import BaseWSGIServer, make_server

from simulators.clock import SimulatedClock

from .admin import create_app
from .config import CloudTasksConfig
from .dispatcher import Dispatcher
from .oidc import OidcSigner
from .service import CloudTasksService, generic_handler
from .state import EmulatorState

if TYPE_CHECKING:
    from google.cloud import tasks_v2

GRPC_THREADS = 16


class EmulatorStartError(RuntimeError):
    """A port could not be bound."""


class CloudTasksEmulator:
    def __init__(self, config: CloudTasksConfig | None = None) -> None:
        self.config = config or CloudTasksConfig()
        self.clock = SimulatedClock(frozen=self.config.freeze_clock)
        self.signer = OidcSigner()
        self.state = EmulatorState(self.config, self.clock)
        self.dispatcher = Dispatcher(self.state, self.signer)
        self.app = create_app(self.state, self.dispatcher, self.signer)
        self._grpc_server: Any = None
        self._http_server: BaseWSGIServer | None = None
        self._http_thread: threading.Thread | None = None
        self.grpc_port = 0
        self.http_port = 0

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> CloudTasksEmulator:
        host = self.config.host
        # so_reuseport off: a second emulator on a taken port must fail, not share it.
        server = grpc.server(
            ThreadPoolExecutor(max_workers=GRPC_THREADS, thread_name_prefix="cloud-tasks-grpc"),
            options=[("grpc.so_reuseport", 0)],
        )
        server.add_generic_rpc_handlers(
            (generic_handler(CloudTasksService(self.state, self.dispatcher)),)
        )
        try:
            self.grpc_port = server.add_insecure_port(f"{host}:{self.config.grpc_port}")
        except RuntimeError as error:
            raise EmulatorStartError(f"cannot bind gRPC {host}:{self.config.grpc_port}") from error
        if not self.grpc_port:
            raise EmulatorStartError(f"cannot bind gRPC {host}:{self.config.grpc_port}")
        try:
            self._http_server = make_server(host, self.config.http_port, self.app, threaded=True)
        except OSError as error:
            raise EmulatorStartError(f"cannot bind HTTP {host}:{self.config.http_port}") from error
        self.http_port = self._http_server.server_port
        server.start()
        self._grpc_server = server
        self._http_thread = threading.Thread(
            target=self._http_server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="cloud-tasks-http",
            daemon=True,
        )
        self._http_thread.start()
        self.dispatcher.start()
        return self

    def stop(self) -> None:
        self.dispatcher.stop()
        if self._grpc_server is not None:
            self._grpc_server.stop(grace=None)
            self._grpc_server = None
        if self._http_server is not None:
            self._http_server.shutdown()
            self._http_server.server_close()
            self._http_server = None
        if self._http_thread is not None:
            self._http_thread.join(timeout=5)
            self._http_thread = None

    def __enter__(self) -> CloudTasksEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- addresses and helpers --------------------------------------------------------------------
    @property
    def grpc_target(self) -> str:
        return f"{self.config.host}:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.config.host}:{self.http_port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.http_url}/oauth2/v3/certs"

    def client(self) -> tasks_v2.CloudTasksClient:
        """The official client on an insecure channel (close with ``client.transport.close()``)."""
        from google.cloud import tasks_v2
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        channel = grpc.insecure_channel(self.grpc_target)
        return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))

    def advance(self, seconds: float) -> float:
        now = self.clock.advance(seconds)
        self.state.notify()
        return now

    def reset(self) -> None:
        self.dispatcher.cut(self.state.reset())
