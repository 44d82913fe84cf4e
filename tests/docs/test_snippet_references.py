"""Issue #20, the cheap half: the docs' shell blocks follow the snippet convention, call only
routes of functions/routes.py and read only fields the OpenAPI document has. A route path or a
response field changed in the code without the docs fails here, run or not."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path

import pytest

from functions.routes import ROUTES
from tests.docs.checks import (
    field_problems,
    openapi_document,
    route_problems,
    routes_called,
    shell_blocks,
)
from tests.docs.references import Schemas, block_references, missing_fields
from tests.docs.snippets import REPO_ROOT, all_blocks, doc_files, read_blocks, relative

BLOCKS = all_blocks()[0]
README = Path("README.md")
README_BLOCKS = [block for block in BLOCKS if block.path == README]
CONFIG_VOUCHERS = REPO_ROOT / "config" / "vouchers.json"
TEST_VOUCHERS = Path(__file__).resolve().parent / "data" / "vouchers.json"
VOUCHER_IN_BODY = re.compile(r'voucher_code\\?"\s*:\s*\\?"([A-Z0-9-]+)')


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: relative(path).as_posix())
def test_the_docs_follow_the_snippet_convention(path: Path) -> None:
    problems = read_blocks(path)[1]
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: relative(path).as_posix())
def test_every_api_call_in_a_shell_block_is_a_route(path: Path) -> None:
    problems = route_problems(read_blocks(path)[0], ROUTES)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", doc_files(), ids=lambda path: relative(path).as_posix())
def test_every_field_a_shell_block_reads_is_in_the_openapi_document(path: Path) -> None:
    problems = field_problems(read_blocks(path)[0], openapi_document())
    assert not problems, "\n".join(problems)


def test_the_readme_walks_through_an_order() -> None:
    """The walk-through calls what an order needs, and reads what it promises (not vacuous)."""
    called = routes_called(README_BLOCKS, ROUTES)
    assert called >= {
        "tesla_oauth_initiate",
        "tesla_session_vehicles",
        "tesla_session_select",
        "pricing_quote",
        "payment_create_intent",
        "payment_paypal_capture",
        "tesla_report",
        "tesla_report_pdf",
        "tesla_report_receipt",
    }
    run = [block for block in README_BLOCKS if block.runs]
    code = "\n".join(block.code for block in run)
    assert "sleep 20" not in code, "wait for the order (poll the report), never a guessed time"
    assert re.search(r"\.status == \"complete\"", code), "the walk-through polls until complete"
    assert re.search(r"head -c 5 .*%PDF-", code), "each download is checked to be a PDF"
    assert re.search(r"^API=\$\{CPT_API:-http://127\.0\.0\.1:8080/api/v1\}", code, re.MULTILINE)
    without_defaults = re.sub(r"\$\{\w+:-[^}]*\}", "", code)
    without_comments = re.sub(r"(^|\s)#.*$", "", without_defaults, flags=re.MULTILINE)
    assert "127.0.0.1" not in without_comments, (
        "every service URL comes from a variable set once (with make up's default), so the test "
        "can point it at its own stack"
    )


def test_the_readme_vouchers_are_local_demo_codes_seeded_by_make_up_and_the_test() -> None:
    codes = {code for block in README_BLOCKS for code in VOUCHER_IN_BODY.findall(block.code)}
    assert codes >= {"LAUNCH10", "LOCAL-DEMO-100"}
    config = json.loads(CONFIG_VOUCHERS.read_text(encoding="utf-8"))
    seeded = json.loads(TEST_VOUCHERS.read_text(encoding="utf-8"))
    valid = codes - {"NO-SUCH-CODE"}  # the failure example's unknown code
    assert valid <= set(config), f"make up seeds no {sorted(valid - set(config))} (config/)"
    assert valid <= set(seeded), (
        f"tests/docs/data/vouchers.json lacks {sorted(valid - set(seeded))}"
    )
    assert "NO-SUCH-CODE" not in config


# --- the checks catch what they are for ---------------------------------------------------------


def test_a_renamed_route_path_breaks_the_readme() -> None:
    called = routes_called(README_BLOCKS, ROUTES)
    for target in called:
        renamed = tuple(
            dataclasses.replace(route, path=route.path + "-renamed")
            if route.target == target
            else route
            for route in ROUTES
        )
        assert route_problems(README_BLOCKS, renamed), f"renaming {target}'s path went unnoticed"


def test_a_changed_method_breaks_the_readme() -> None:
    select = next(route for route in ROUTES if route.target == "tesla_session_select")
    changed = tuple(
        dataclasses.replace(route, method="PUT") if route is select else route for route in ROUTES
    )
    problems = route_problems(README_BLOCKS, changed)
    assert any("/select is no route (the route is PUT)" in problem for problem in problems)


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ("OAuthInitiateResponse", "authUrl"),
        ("VehiclesResponse", "vehicles"),
        ("VehicleView", "id"),
        ("SelectResponse", "vehicle_count"),
        ("QuoteResponse", "total_cents"),
        ("StripeCheckout", "payment_intent_id"),
        ("PayPalCheckout", "approve_url"),
        ("CreateIntentResponse", "status"),
        ("ReportsResponse", "status"),
        ("CarReportStatus", "id"),
        ("ErrorDetail", "code"),
    ],
)
def test_a_renamed_response_field_breaks_the_readme(schema: str, field: str) -> None:
    document = openapi_document()
    assert not field_problems(README_BLOCKS, document)
    renamed = copy.deepcopy(document)
    properties = renamed["components"]["schemas"][schema]["properties"]
    properties[f"{field}_renamed"] = properties.pop(field)
    problems = field_problems(README_BLOCKS, renamed)
    assert any(field in problem for problem in problems), f"{schema}.{field} renamed unnoticed"


def test_jq_paths_follow_pipes_selects_and_interpolations() -> None:
    document = openapi_document()
    schemas = Schemas(document)
    report = [{"$ref": "#/components/schemas/ReportsResponse"}]
    assert missing_fields('.vehicles[] | "\\(.id) \\(.pdf_url)"', report, schemas) == []
    assert (
        missing_fields('.vehicles[] | select(.status == "complete") | .vin', report, schemas) == []
    )
    assert missing_fields(".vehicles[] | {id, model, status}", report, schemas) == []
    assert missing_fields(".vehicles[].pdf", report, schemas) == [".vehicles[].pdf"]
    assert missing_fields('.vehicles[] | "\\(.name)"', report, schemas) == [".name"]
    assert missing_fields(".reports | keys", report, schemas) == []


def test_a_jq_read_knows_its_response_through_variables_files_and_pipes() -> None:
    code = (
        'BODY=$(curl -s "$API/pricing/quote" -d "{}")\n'
        "jq -e '.total_cents' <<<\"$BODY\"\n"
        "curl -s $API/tesla/session/$S/vehicles | tee cars.json | jq .vehicles\n"
        "jq -r '.vehicles[].vin' cars.json\n"
        "curl -s $API/health | jq -e '.status == \"ok\"'\n"
    )
    reads = block_references(code, 1).jq_reads
    origins = [(read.origin.method, read.origin.path) if read.origin else None for read in reads]
    assert origins == [
        ("POST", "/pricing/quote"),
        ("GET", "/tesla/session/$S/vehicles"),
        ("GET", "/tesla/session/$S/vehicles"),
        ("GET", "/health"),
    ]


def test_the_convention_checker_reports_what_it_should(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- snippet: skip -->\n```sh\ntrue\n```\n"  # skip without a reason
        "```bash\nmake up\n```\n"  # bash, unmarked
        "<!-- snippet: needs-cloud -->\n\n```sh\ngcloud auth list\n```\n"  # fine
        "<!-- snippet: needs-cloud -->\nSome prose.\n"  # a marker before prose
        "  ```sh\n  echo indented\n  ```\n",
        encoding="utf-8",
    )
    blocks, problems = read_blocks(page, tmp_path)
    assert [str(problem) for problem in problems] == [
        "page.md:1: unknown snippet marker: use <!-- snippet: needs-cloud --> or "
        "<!-- snippet: skip <reason> -->",
        "page.md:5: ```bash block: use ```sh (the tests run it), ```console (an example), or put "
        "<!-- snippet: needs-cloud --> / <!-- snippet: skip <reason> --> on the line before it",
        "page.md:13: snippet marker not directly before a code block",
    ]
    assert [(b.line, b.runs, b.skip_reason) for b in blocks] == [
        (2, True, None),
        (5, False, None),
        (10, False, "page.md:10: needs a real cloud project (snippet: needs-cloud)"),
        (15, True, None),
    ]
    assert blocks[-1].code == "echo indented\n"


def test_every_doc_page_is_picked_up() -> None:
    """New pages (docs/operations.md, docs/sharing.md…) are tested as soon as they exist."""
    found = {relative(path).as_posix() for path in doc_files()}
    on_disk = {f"docs/{path.name}" for path in (REPO_ROOT / "docs").glob("*.md")}
    assert found == {"README.md", *on_disk}
    assert {block.path.as_posix() for block in shell_blocks(BLOCKS)} <= found
