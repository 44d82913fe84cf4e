"""Functions read commerce data only: its writers are called from admin/ and dev/seed.py alone.

Firestore IAM cannot scope a grant to a collection (infra/commerce.tf), so this is the check.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRITERS = re.compile(r"\b(publish_price_book|put_voucher|set_seller|audit)\(")
DEFINED_IN = ROOT / "shared" / "pricing" / "book.py"


def test_no_deployed_code_writes_commerce_data() -> None:
    deployed = [*ROOT.glob("functions/**/*.py"), *ROOT.glob("shared/**/*.py"), ROOT / "main.py"]
    writers = [
        f"{path.relative_to(ROOT)}: {match.group(1)}"
        for path in deployed
        if path != DEFINED_IN
        for match in WRITERS.finditer(path.read_text(encoding="utf-8"))
    ]
    assert writers == []


def test_the_admin_tool_is_never_uploaded() -> None:
    ignored = (ROOT / ".gcloudignore").read_text(encoding="utf-8").split()
    assert "admin/" in ignored
