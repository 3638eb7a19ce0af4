"""Where the packs that ship with mockround live."""

from __future__ import annotations

import sys
from pathlib import Path


def _shipped_questions() -> Path:
    """The checkout's questions/ (editable installs, tests), else the copy a wheel installs."""
    beside = Path(__file__).resolve().parents[2] / "questions"
    if (beside / "schema.json").is_file():
        return beside
    return Path(sys.prefix) / "share" / "mockround" / "questions"


REPO_QUESTIONS = _shipped_questions()
