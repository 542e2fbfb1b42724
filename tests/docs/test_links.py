"""Every image the documentation shows exists, and every relative link leads to a file (and heading) that
exists — in docs/ and in README.md."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.docs.markdown import REPO_ROOT, all_files, anchors_of, blocks_of, links_of

EXTERNAL = ("http://", "https://", "mailto:")


def resolve(source: Path, target: str) -> tuple[Path, str]:
    address, _, anchor = target.partition("#")
    return ((source.parent / unquote(address)).resolve() if address else source), anchor


@pytest.mark.parametrize("path", all_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_relative_links_and_images_resolve(path: Path) -> None:
    problems = []
    for link in links_of(path):
        if link.target.startswith(EXTERNAL):
            if link.image:
                problems.append(f"{link.where}: images must be in the repository, not {link.target}")
            continue
        if link.target.startswith("/"):
            problems.append(f"{link.where}: {link.target} is absolute; GitHub needs a relative link")
            continue
        target, anchor = resolve(path, link.target)
        if not target.exists():
            kind = "image" if link.image else "link"
            problems.append(
                f"{link.where}: {kind} {link.target} → {target.relative_to(REPO_ROOT)} is missing"
            )
        elif anchor and target.suffix == ".md" and anchor not in anchors_of(target):
            problems.append(f"{link.where}: {link.target} → no heading #{anchor} in {target.name}")
        if link.image and target.exists() and target.suffix.lower() not in {".png", ".svg", ".jpg", ".gif"}:
            problems.append(f"{link.where}: {link.target} is not a picture")
    assert problems == [], "\n".join(problems)


def test_every_screenshot_the_guides_show_is_made_by_a_browser_test() -> None:
    """Screenshots are produced by the browser tests (make screenshots), never drawn by hand: each
    guide-*.png shown in docs/ is named in tests/browser/test_docs_screenshots.py."""
    source = (REPO_ROOT / "tests" / "browser" / "test_docs_screenshots.py").read_text(encoding="utf-8")
    missing = []
    for path in all_files():
        for link in links_of(path):
            name = Path(link.target).stem
            if link.image and name.startswith("guide-") and f'"{name}"' not in source:
                missing.append(f"{link.where}: {name} is not taken by tests/browser/test_docs_screenshots.py")
    assert missing == [], "\n".join(missing)


def test_the_markdown_parser_finds_blocks_and_links(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Заголовок страницы\n\nSee [the API](api.md#errors) and ![a picture](../screenshots/x.png).\n\n"
        "<!-- not run: starts a server -->\n```sh\npotok serve\n```\n\n"
        '<!-- output -->\n```json\n{"id": 1}\n```\n\n```sh\n[not](a-link.md)\n```\n',
        encoding="utf-8",
    )
    blocks = blocks_of(page)
    assert [(b.language, b.skip_reason, b.is_output) for b in blocks] == [
        ("sh", "starts a server", False),
        ("json", None, True),
        ("sh", None, False),
    ]
    assert blocks[0].code == "potok serve\n" and blocks[0].line == 6
    assert [(link.target, link.image) for link in links_of(page)] == [
        ("api.md#errors", False),
        ("../screenshots/x.png", True),
    ]
    assert "заголовок-страницы" in anchors_of(page)


def test_every_guide_screenshot_is_shown_somewhere() -> None:
    """A screenshot the browser test takes for a guide is used by a guide (no stale pictures)."""
    shown = {Path(link.target).name for path in all_files() for link in links_of(path) if link.image}
    folder = REPO_ROOT / "docs" / "screenshots"
    unused = sorted(p.name for p in folder.glob("guide-*.png") if p.name not in shown)
    assert unused == [], f"not shown in docs/: {unused}"
