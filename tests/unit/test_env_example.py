"""deploy/.env.example lists every setting mockround reads, and nothing it does not."""

from __future__ import annotations

import re
from pathlib import Path

from bot.app.config import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / ".env.example"
DEPLOY_ONLY = {"MOCKROUND_PLATFORM", "POSTGRES_PASSWORD"}  # read by compose.yaml, not the bot


def names_in_example() -> set[str]:
    found = set()
    for line in EXAMPLE.read_text().splitlines():
        m = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=", line)
        if m:
            found.add(m.group(1))
    return found


def environment_names() -> set[str]:
    names = set()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        names.add(choices[0] if choices else f"MOCKROUND_{field.upper()}")
    return names


def test_every_setting_is_in_the_example():
    missing = environment_names() - names_in_example()
    assert not missing, f"add to deploy/.env.example: {sorted(missing)}"


def test_the_example_names_no_setting_that_does_not_exist():
    unknown = names_in_example() - environment_names() - DEPLOY_ONLY
    assert not unknown, f"not a setting: {sorted(unknown)}"


def test_every_setting_is_explained_on_the_line_above_it():
    """Never after the value: systemd's EnvironmentFile would read the comment as value."""
    lines = EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#?\s*[A-Z][A-Z0-9_]+=", line):
            assert "#" not in line.lstrip("# ").split("=", 1)[1], line
            assert lines[i - 1].startswith("#"), line
