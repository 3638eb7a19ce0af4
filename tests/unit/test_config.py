"""Settings: environment, TOML file, and start-up refusals that name the setting."""

from __future__ import annotations

import pytest

from bot.app.config import SettingsError, load_settings
from bot.cli import main


def test_environment_and_platform_token_names(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    monkeypatch.setenv("MOCKROUND_SLACK_PORT", "4000")
    monkeypatch.setenv("MOCKROUND_DATABASE_URL", "sqlite+aiosqlite:////tmp/x.db")
    s = load_settings()
    assert (s.discord_token, s.slack_port, s.database_url) == (
        "abc",
        4000,
        "sqlite+aiosqlite:////tmp/x.db",
    )


def test_default_database_is_a_sqlite_file_in_the_data_directory(monkeypatch):
    monkeypatch.delenv("MOCKROUND_DATABASE_URL", raising=False)
    url = load_settings().database_url
    assert url.startswith("sqlite+aiosqlite:///") and url.endswith("mockround/mockround.db")


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("MOCKROUND_SLACK_PORT", "abc", "MOCKROUND_SLACK_PORT"),
        ("MOCKROUND_SLACK_PORT", "70000", "MOCKROUND_SLACK_PORT"),
        ("MOCKROUND_DATABASE_URL", "mysql://x", "MOCKROUND_DATABASE_URL"),
        ("MOCKROUND_SLACK_MODE", "carrier-pigeon", "MOCKROUND_SLACK_MODE"),
        ("MOCKROUND_LOG_LEVEL", "LOUD", "MOCKROUND_LOG_LEVEL"),
    ],
)
def test_a_wrong_value_stops_start_up_naming_the_setting(monkeypatch, env, value, named):
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert str(err.value).startswith(f"setting {named} is invalid")


def test_toml_file_is_read_and_environment_wins(tmp_path, monkeypatch):
    f = tmp_path / "mockround.toml"
    f.write_text('slack_port = 3100\nlog_level = "DEBUG"\n')
    monkeypatch.setenv("MOCKROUND_LOG_LEVEL", "ERROR")
    s = load_settings(f)
    assert (s.slack_port, s.log_level) == (3100, "ERROR")
    with pytest.raises(SettingsError, match="config file not found"):
        load_settings(tmp_path / "missing.toml")


def test_cli_reports_a_bad_setting_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("MOCKROUND_SLACK_PORT", "abc")
    assert main(["questions", "validate"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("mockround: setting MOCKROUND_SLACK_PORT is invalid")
        and err.count("\n") == 1
    )
