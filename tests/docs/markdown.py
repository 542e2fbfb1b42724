"""Reading the documentation's Markdown: fenced blocks with the HTML comments that mark them, links and
images.

The convention (docs/index.md, «Как проверяются примеры»):

- every ```sh / ```bash / ```python block in the checked files is executed by tests/docs/test_examples.py;
- `<!-- not run: the reason -->` on the line above a block exempts it, and the reason is required;
- `<!-- run: as=USER -->` above a block makes $TOKEN an API token of that demo user (default: admin);
  `<!-- run: as=USER copy -->` runs it in a temporary data directory holding a copy of the embedded
  database instead of against the live server's database (for backup and restore);
- `<!-- output -->` above a ```json or ```text block says it is the output of the block before it: JSON
  must match by its keys (every key shown must be there), text line by line (`…` stands for anything).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
# Pages other engineers own; their blocks are not run here (their links and images are still checked).
NOT_OURS = {"architecture.md", "performance.md", "reliability.md"}
EXECUTABLE = {"sh": "sh", "bash": "sh", "shell": "sh", "python": "python", "py": "python"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
COMMENT = re.compile(r"^\s*<!--\s*(?P<body>.*?)\s*-->\s*$")


@dataclass
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    comments: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"

    @property
    def kind(self) -> str | None:
        """`sh` or `python` for executable blocks, else None."""
        return EXECUTABLE.get(self.language)

    @property
    def skip_reason(self) -> str | None:
        for comment in self.comments:
            if comment.startswith("not run"):
                return comment.partition(":")[2].strip()
        return None

    @property
    def is_output(self) -> bool:
        return "output" in self.comments

    @property
    def options(self) -> dict[str, str]:
        """`<!-- run: as=reception copy -->` → {"as": "reception", "copy": ""}."""
        found: dict[str, str] = {}
        for comment in self.comments:
            if comment.startswith("run:"):
                for word in comment.partition(":")[2].split():
                    key, _, value = word.partition("=")
                    found[key] = value
        return found


def blocks_of(path: Path) -> list[Block]:
    """Fenced blocks of a Markdown file, each with the HTML comments on the lines just above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence = opening["fence"]
        language = opening["info"].strip().split(" ")[0].lower() if opening["info"].strip() else ""
        comments: list[str] = []
        above = index - 1
        while above >= 0 and (match := COMMENT.match(lines[above])):
            comments.insert(0, match["body"])
            above -= 1
        body: list[str] = []
        index += 1
        indent = len(opening["indent"])
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append(lines[index][indent:] if lines[index][:indent].strip() == "" else lines[index])
            index += 1
        found.append(Block(path, index - len(body), language, "\n".join(body) + "\n", comments))
        index += 1
    return found


def checked_files() -> list[Path]:
    """The documentation files whose blocks are run: every Markdown file of docs/ but the pages of others."""
    return sorted(path for path in DOCS.rglob("*.md") if path.name not in NOT_OURS or path.parent != DOCS)


def all_files() -> list[Path]:
    return sorted([*DOCS.rglob("*.md"), REPO_ROOT / "README.md"])


# -- links and images ---------------------------------------------------------------------------------

INLINE_LINK = re.compile(
    r"(?P<image>!?)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<target><[^>]+>|[^)\s]+)(?:\s+\"[^\"]*\")?\)"
)
REFERENCE_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*(?P<target>\S+)", re.MULTILINE)
HTML_TARGET = re.compile(r"<(?:img|a)\b[^>]*\b(?:src|href)=\"(?P<target>[^\"]+)\"", re.IGNORECASE)
INLINE_CODE = re.compile(r"`[^`\n]*`")


@dataclass
class Link:
    path: Path
    line: int
    target: str
    image: bool

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"


def links_of(path: Path) -> list[Link]:
    """Links and images outside code blocks and inline code."""
    text = path.read_text(encoding="utf-8")
    in_code: set[int] = set()
    for block in blocks_of(path):
        in_code.update(range(block.line, block.line + block.code.count("\n") + 2))
    found: list[Link] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number in in_code:
            continue
        line = INLINE_CODE.sub("", line)
        for match in INLINE_LINK.finditer(line):
            found.append(Link(path, number, match["target"].strip("<>"), bool(match["image"])))
        for match in HTML_TARGET.finditer(line):
            found.append(Link(path, number, match["target"], match.group(0).lower().startswith("<img")))
        for match in REFERENCE_DEFINITION.finditer(line):
            found.append(Link(path, number, match["target"], False))
    return found


def anchors_of(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading[1].strip().lower()).replace(" ", "-")
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
        for explicit in re.finditer(r"<a\s+(?:id|name)=\"([^\"]+)\"", line):
            anchors.add(explicit[1])
    return anchors
