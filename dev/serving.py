"""Serve a WSGI app on a free loopback port in a background thread (tests, bench, simulators)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def serve_in_thread(
    app: Callable[..., Any], name: str, poll_interval: float = 0.1
) -> Iterator[str]:
    """Yields the base URL (``http://127.0.0.1:PORT``); stops the server when the block ends.

    A short ``poll_interval`` makes shutdown quick for servers started per test.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": poll_interval}, name=name, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
