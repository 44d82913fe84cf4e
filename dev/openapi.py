"""Print the OpenAPI document (``make openapi`` writes it to docs/openapi.json)."""

import json

from shared.api.openapi import build_openapi


def render() -> str:
    return json.dumps(build_openapi(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(render(), end="")
