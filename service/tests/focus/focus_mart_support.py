"""What the FOCUS mart tests share: the repository's docs/focus.md sections they hold the mart to."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FOCUS_DOC = REPO / "docs" / "focus.md"


def documented_names(section: str) -> set[str]:
    """The backticked names in the first cell of the table rows of a docs/focus.md section."""
    text = FOCUS_DOC.read_text()
    start = text.index(f"## {section}\n")
    end = text.find("\n## ", start + 1)
    body = text[start:end if end > 0 else None]
    return set(re.findall(r"^\| `([^`]+)` \|", body, flags=re.MULTILINE))
