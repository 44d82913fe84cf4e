"""HTML templates (Jinja2), set up one way for every document and page we render.

Autoescaped (names and other customer input end up in the HTML), strict about a missing value
(a typo in a template fails the render and its test instead of printing an empty string), and
without the blank lines block tags would leave. One environment per template folder, built on
first use and kept for the instance's life.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


@cache
def html_templates(folder: Path) -> Environment:
    """The template environment of ``folder`` (one per folder and process)."""
    return Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
