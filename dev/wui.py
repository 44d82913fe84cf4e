"""The reference web app's server (``wui/``): static files, a generated ``/config.js`` and, on the
local stack only, a bridge that stands in for the part of Stripe.js localstripe lacks.

The web app is plain HTML and JavaScript modules: nothing is built. What differs between
environments is written into ``/config.js`` (the API's base URL, where Stripe.js comes from), so
the same files run against ``make up``, the tests' gateway on a random port, or a real API.

Why the bridge: real Stripe.js ``confirmCardPayment(clientSecret, {payment_method: {card}})``
creates the card's PaymentMethod from the Element and confirms the PaymentIntent with the
publishable key. localstripe's stand-in (``localstripe-v3.js``) only performs the 3-D Secure step
on an intent that is already ``requires_action``, and its API only accepts a secret key for
payment methods and confirmation. So, locally, the web app first posts the card the Element
holds to ``POST /local/stripe/confirm`` here; this server (which has the local secret key, never
a real one) attaches the card and confirms, exactly the calls Stripe.js makes, and the web app
then calls ``confirmCardPayment`` when the card asks for 3-D Secure. Against real Stripe
``/config.js`` has no bridge and ``confirmCardPayment`` does everything.

``python -m dev.wui`` serves it alone (``make up`` serves it too, at ``CPT_WUI_PORT``).
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Request, Response

WUI_ROOT = Path(__file__).resolve().parent.parent / "wui"
DEFAULT_PORT = 5173
BRIDGE_PATH = "/local/stripe/confirm"
REAL_STRIPE_JS = "https://js.stripe.com/v3/"
_CLIENT_SECRET = re.compile(r"^(pi_\w+?)_secret_\w+$")
CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc")
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the session id in the address bar must not leak
    "Cache-Control": "no-store",
}


class WuiApp:
    """A WSGI app: ``wui/`` files, ``/config.js`` and (locally) the localstripe bridge."""

    def __init__(
        self,
        *,
        api_base: str,
        stripe_api_base: str | None = None,
        stripe_secret_key: str | None = None,
        root: Path = WUI_ROOT,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.stripe_api_base = stripe_api_base.rstrip("/") if stripe_api_base else None
        self.stripe_secret_key = stripe_secret_key
        self.root = root.resolve()

    def config(self) -> dict[str, Any]:
        local = self.stripe_api_base is not None
        return {
            "apiBase": self.api_base,
            "stripeJsUrl": f"{self.stripe_api_base}/js.stripe.com/v3/" if local else REAL_STRIPE_JS,
            "localStripeBridge": BRIDGE_PATH if local else None,
        }

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except HTTPException as error:
            response = Response(error.description or error.name, status=error.code or 500)
        response.headers.update(_SECURITY_HEADERS)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path == "/config.js":
            body = f"window.CPT_CONFIG = Object.freeze({json.dumps(self.config())});\n"
            return Response(body, mimetype="text/javascript")
        if request.path == BRIDGE_PATH and request.method == "POST":
            return self.bridge(request)
        if request.method not in ("GET", "HEAD"):
            return Response("method not allowed", status=405)
        return self.static(request.path)

    def static(self, path: str) -> Response:
        relative = path.lstrip("/") or "index.html"
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            if "." in Path(relative).name:
                raise NotFound()
            target = self.root / "index.html"  # the app's own routes (?oauth=…, ?paypal=…)
        mimetype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix == ".js":
            mimetype = "text/javascript"  # modules need a JavaScript type
        return Response(target.read_bytes(), mimetype=mimetype)

    def bridge(self, request: Request) -> Response:
        """Attach the typed card to the intent and confirm it, as Stripe.js would."""
        if self.stripe_api_base is None:
            raise NotFound()
        body = request.get_json(silent=True) or {}
        match = _CLIENT_SECRET.match(str(body.get("client_secret", "")))
        card = body.get("card") or {}
        if match is None or not isinstance(card, dict):
            return _json({"error": {"message": "client_secret and card are required"}}, 400)
        # 200 even for a declined card: the answer is read by our own page, like Stripe.js's.
        return _json(self._attach_and_confirm(match.group(1), body["client_secret"], card), 200)

    def _attach_and_confirm(
        self, intent_id: str, client_secret: str, card: dict[str, Any]
    ) -> dict[str, Any]:
        stripe = requests.Session()
        stripe.auth = (self.stripe_secret_key or "", "")
        base = f"{self.stripe_api_base}/v1"
        intent = stripe.get(f"{base}/payment_intents/{intent_id}", timeout=10).json()
        if intent.get("client_secret") != client_secret:
            return {"error": {"message": "This payment is not yours to confirm."}}
        fields = {f"card[{name}]": str(card.get(name, "")).replace(" ", "") for name in CARD_FIELDS}
        method = stripe.post(f"{base}/payment_methods", data={"type": "card", **fields}, timeout=10)
        if method.status_code != 200:
            return {"error": _stripe_error(method)}
        steps: tuple[tuple[str, dict[str, str]], ...] = (
            (f"{base}/payment_intents/{intent_id}", {"payment_method": method.json()["id"]}),
            (f"{base}/payment_intents/{intent_id}/confirm", {}),
        )
        for url, data in steps:
            answer = stripe.post(url, data=data, timeout=10)
            if answer.status_code != 200:
                return {"error": _stripe_error(answer)}
        confirmed = answer.json()
        if confirmed.get("last_payment_error"):
            return {"error": confirmed["last_payment_error"], "status": confirmed.get("status")}
        return {"status": confirmed.get("status")}


def _stripe_error(response: requests.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    return {"message": error.get("message") or "The card was not accepted.", **error}


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def local_app(gateway_url: str, stripe_api_base: str | None) -> WuiApp:
    """The web app as ``make up`` serves it: the local gateway's API and localstripe (with the
    local stack's secret key, which only localstripe accepts)."""
    from shared.platform.settings import get_settings

    return WuiApp(
        api_base=f"{gateway_url.rstrip('/')}/api/v1",
        stripe_api_base=stripe_api_base,
        stripe_secret_key=get_settings().stripe_secret_key.get_secret_value(),
    )


@contextmanager
def serve_local(port: int, gateway_url: str, stripe_api_base: str | None) -> Iterator[str | None]:
    """Serve the web app for ``make up`` in a thread; yields its URL, or None (said in one line)
    when the port is taken: the API still runs, the web app can be moved with CPT_WUI_PORT."""
    from werkzeug.serving import make_server

    from dev.ports import PortTaken, require_free

    try:
        require_free(port, "web app")
    except PortTaken as taken:
        print(f"make up: the web app is not served: {taken}", flush=True)
        yield None
        return
    server = make_server("127.0.0.1", port, local_app(gateway_url, stripe_api_base), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="web-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def main() -> int:
    from werkzeug.serving import run_simple

    port = int(os.environ.get("CPT_WUI_PORT", DEFAULT_PORT))
    gateway = os.environ.get("CPT_GATEWAY_URL", "http://127.0.0.1:8080")
    stripe = os.environ.get("CPT_STRIPE_API_BASE", "http://127.0.0.1:8420")
    print(f"web app on http://127.0.0.1:{port} (API {gateway}/api/v1)", flush=True)
    run_simple("127.0.0.1", port, local_app(gateway, stripe), threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
