"""Normalising text for search: one form for what is stored and what is typed in the search box."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, «ё» as «е», single spaces: «Ёлка  ООО» and «елка ооо» find each other."""
    return _SPACES.sub(" ", text.lower().replace("ё", "е")).strip()


def search_terms(query: str, *, limit: int = 8) -> list[str]:
    """The words of a search query, each of which must occur in the text (at most `limit` of them)."""
    return [word for word in normalise(query[:200]).split(" ") if word][:limit]
