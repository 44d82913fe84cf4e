"""Print the OpenAPI document (``make openapi`` writes it to docs/openapi.json)."""

import json

from functions.routes import ROUTES
from shared.platform.openapi import build_openapi


def render() -> str:
    return json.dumps(build_openapi(ROUTES), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
