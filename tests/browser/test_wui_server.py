"""dev/wui.py without a browser: the files, the generated /config.js, what it refuses."""

from __future__ import annotations

import json

from werkzeug.test import Client

from dev.wui import BRIDGE_PATH, REAL_STRIPE_JS, WuiApp

LOCAL = WuiApp(api_base="http://api.test/api/v1/", stripe_api_base="http://stripe.test:8420")
DEPLOYED_API = WuiApp(api_base="https://api.example.com/api/v1")


def config_of(app: WuiApp) -> dict[str, object]:
    body = Client(app).get("/config.js").get_data(as_text=True)
    assert body.startswith("window.CPT_CONFIG = Object.freeze(")
    return dict(json.loads(body.split("Object.freeze(", 1)[1].rsplit(");", 1)[0]))


def test_config_names_the_api_and_localstripe_locally():
    assert config_of(LOCAL) == {
        "apiBase": "http://api.test/api/v1",
        "stripeJsUrl": "http://stripe.test:8420/js.stripe.com/v3/",
        "localStripeBridge": BRIDGE_PATH,
    }


def test_against_real_stripe_there_is_no_bridge():
    assert config_of(DEPLOYED_API)["stripeJsUrl"] == REAL_STRIPE_JS
    assert config_of(DEPLOYED_API)["localStripeBridge"] is None
    answer = Client(DEPLOYED_API).post(BRIDGE_PATH, json={"client_secret": "pi_1_secret_2"})
    assert answer.status_code == 404


def test_serves_the_app_with_module_types_and_no_referrer():
    client = Client(LOCAL)
    index = client.get("/")
    assert index.status_code == 200 and b'type="module"' in index.data
    assert index.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/app.js").headers["Content-Type"].startswith("text/javascript")
    assert client.get("/styles.css").headers["Content-Type"].startswith("text/css")


def test_the_hand_over_urls_get_the_app_and_missing_files_404():
    client = Client(LOCAL)
    assert client.get("/?oauth=error&reason=access_denied").status_code == 200
    assert client.get("/nothing-here.js").status_code == 404
    assert client.get("/../dev/wui.py").status_code == 404
    assert client.get("/%2e%2e/dev/wui.py").status_code == 404


def test_the_bridge_wants_a_client_secret_and_a_card():
    answer = Client(LOCAL).post(BRIDGE_PATH, json={"client_secret": "not-a-secret"})
    assert answer.status_code == 400
