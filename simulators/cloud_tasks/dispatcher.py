"""The dispatch loop and its worker pool: tasks go out concurrently, up to each queue's limits.

One scheduler thread plans (``scheduling.plan``) under the state's lock and hands each attempt
to a pool of ``worker_threads`` threads, so a queue with ``max_concurrent_dispatches`` N really
has N requests in flight (the PyPI emulator sent one at a time per queue). The scheduler also
cuts the connection of an attempt whose dispatch deadline passed in simulated time, so
advancing the clock ends a hanging request the way the deadline would.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .delivery import OutboundRequest, build_request, cut, send
from .model import Attempt, Delivery, TaskRecord
from .oidc import OidcSigner
from .outcomes import Outcome
from .scheduling import finish_attempt, plan, start_attempt
from .state import EmulatorState
from .views import task_view

logger = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, state: EmulatorState, signer: OidcSigner) -> None:
        self.state = state
        self.signer = signer
        self._executor = ThreadPoolExecutor(
            max_workers=state.config.worker_threads, thread_name_prefix="cloud-tasks-delivery"
        )
        self._sockets: dict[int, socket.socket] = {}
        self._sockets_lock = threading.Lock()
        self._stopping = False
        self._stopped = threading.Event()  # ends fault pauses early on stop
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cloud-tasks-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with self.state.changed:
            self._stopping = True
            self.state.changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._sockets_lock:
            sockets = list(self._sockets.values())
            self._sockets.clear()
        for sock in sockets:
            cut(sock)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while True:
            with self.state.changed:
                if self._stopping:
                    return
                work = plan(self.state)
                if not work.launches and not work.timed_out:
                    self.state.changed.wait(timeout=work.wait_seconds)
                    continue
            self.cut(work.timed_out)
            for task, attempt in work.launches:
                self.launch(task, attempt)

    # --- attempts -------------------------------------------------------------------------------
    def run_now(self, name: str, view: int) -> Any:
        """RunTask: dispatch at once, paused queue, rate limits and running attempts regardless."""
        with self.state.changed:
            task = self.state.live_task(name)
            queue = self.state.queue(task.name.queue)
            attempt = start_attempt(self.state, task, queue, self.state.clock.now(), "run_task")
            # "the task that is returned contains the status after the task is dispatched but
            # before the task is received by its target"
            answer = task_view(task, view)
        self.launch(task, attempt)
        return answer

    def launch(self, task: TaskRecord, attempt: Attempt) -> None:
        try:
            self._executor.submit(self._deliver, task, attempt)
        except RuntimeError:  # stopped meanwhile
            finish_attempt(self.state, attempt, Outcome("abandoned", error="emulator stopped"))

    def cut(self, attempts: list[Attempt]) -> None:
        for attempt in attempts:
            with self._sockets_lock:
                sock = self._sockets.pop(id(attempt), None)
            if sock is not None:
                cut(sock)

    def _track(self, owner: object, sock: socket.socket) -> None:
        """Remember a delivery's socket so stop() (and the deadline) can cut it."""
        with self._sockets_lock:
            self._sockets[id(owner)] = sock

    def _register(self, attempt: Attempt, sock: socket.socket) -> None:
        self._track(attempt, sock)
        if attempt.finished:  # the deadline passed while connecting
            self.cut([attempt])

    def _deliver(self, task: TaskRecord, attempt: Attempt) -> None:
        try:
            outcome = self._attempt(task, attempt)
        except Exception as error:  # a bug here must not leave the attempt in flight forever
            logger.exception("delivery of %s failed", task.full_name)
            outcome = Outcome("connection_error", error=repr(error))
        finally:
            with self._sockets_lock:
                self._sockets.pop(id(attempt), None)
        finish_attempt(self.state, attempt, outcome)

    def _attempt(self, task: TaskRecord, attempt: Attempt) -> Outcome:
        fault = attempt.fault or {}
        kind, seconds = fault.get("kind"), float(fault.get("seconds", 0.0))
        if kind == "drop":
            return Outcome("dropped", error="delivery dropped (fault)")
        request = build_request(task, attempt, self.signer, self.state.settings)
        if kind == "delay":
            self._stopped.wait(seconds)
            if attempt.finished:
                return Outcome("deadline_exceeded", error="deadline passed during the delay")
        if kind == "duplicate":
            self._send_duplicate(attempt, request, task.dispatch_deadline, seconds)
        return send(
            request,
            timeout=task.dispatch_deadline,
            kill_after=seconds if kind == "kill" else None,
            on_socket=lambda sock: self._register(attempt, sock),
            pause=self._stopped.wait,
        )

    def _send_duplicate(
        self, attempt: Attempt, request: OutboundRequest, timeout: float, gap: float
    ) -> None:
        copy = Delivery()
        with self.state.lock:
            attempt.duplicates.append(copy)

        def deliver_copy() -> None:
            self._stopped.wait(gap)
            started = time.monotonic()
            with self.state.lock:
                copy.sent_at = self.state.clock.now()
            outcome = send(request, timeout=timeout, on_socket=lambda sock: self._track(copy, sock))
            with self._sockets_lock:
                self._sockets.pop(id(copy), None)
            with self.state.changed:
                copy.outcome = outcome.kind
                copy.status_code = outcome.status_code
                copy.error = outcome.error
                copy.duration_ms = round((time.monotonic() - started) * 1000, 1)
                self.state.changed.notify_all()

        threading.Thread(target=deliver_copy, name="cloud-tasks-duplicate", daemon=True).start()
