"""Every environment variable Potok reads is in the deployment guide, in English and in Russian."""

from __future__ import annotations

import re

import pytest

from tests.docs.markdown import DOCS, REPO_ROOT

READERS = [
    *sorted((REPO_ROOT / "src" / "potok" / "config").rglob("*.py")),
    REPO_ROOT / "src/potok/cli/main.py",
]
VARIABLE = re.compile(r"[\"'](POTOK_[A-Z0-9_]+|DATABASE_URL)[\"']")


def variables_read() -> set[str]:
    found: set[str] = set()
    for path in READERS:
        found |= set(VARIABLE.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_settings_read_variables() -> None:
    assert {"DATABASE_URL", "POTOK_SECRET_KEY", "POTOK_BEHIND_PROXY"} <= variables_read()


@pytest.mark.parametrize("page", ["deployment.md", "deployment.ru.md"])
def test_every_variable_is_in_the_table(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text, re.MULTILINE))
    assert sorted(variables_read() - rows) == [], f"{page} does not describe these variables"
