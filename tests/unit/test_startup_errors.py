"""Every bad start ends in one line naming what to fix, and exit code 2, never a traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters import connecting
from bot.app import config
from bot.cli import main


def cases(tmp: Path) -> list[tuple[str, dict[str, str], list[str], str]]:
    (tmp / "afile").write_text("x")
    (tmp / "adir").mkdir()
    (tmp / "notdb.db").write_text("not a database, just text")
    newer = tmp / "newer.db"
    con = sqlite3.connect(newer)
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    con.execute("INSERT INTO schema_version VALUES (99)")
    con.commit()
    con.close()
    (tmp / "broken.toml").write_text('log_level = "INFO"\n[broken\n')
    (tmp / "badvalue.toml").write_text('log_level = "verbose"\n')
    db = "sqlite+aiosqlite:///"
    return [
        ("discord token", {}, ["run", "discord"], "DISCORD_TOKEN is not set"),
        ("slack token", {}, ["run", "slack"], "SLACK_BOT_TOKEN is not set"),
        ("parent is a file", {"MOCKROUND_DATABASE_URL": f"{db}{tmp}/afile/x.db"},
         ["run", "console"], "cannot create the folder"),
        ("a directory", {"MOCKROUND_DATABASE_URL": f"{db}{tmp}/adir"}, ["run", "console"],
         "names a directory, not a file"),
        ("not a database", {"MOCKROUND_DATABASE_URL": f"{db}{tmp}/notdb.db"},
         ["run", "console"], "is not a SQLite database"),
        ("newer schema", {"MOCKROUND_DATABASE_URL": f"{db}{newer}"}, ["run", "console"],
         "schema version 99, newer than this mockround's"),
        ("postgres down", {"MOCKROUND_DATABASE_URL": "postgresql+asyncpg://u:pw@127.0.0.1:1/x"},
         ["run", "console"], "nothing answers there"),
        ("question dirs", {"MOCKROUND_QUESTION_DIRS": "packs"}, ["questions", "list"],
         "MOCKROUND_QUESTION_DIRS must be a JSON list"),
        ("broken toml", {}, ["--config", str(tmp / "broken.toml"), "questions", "list"],
         "is not valid TOML"),
        ("toml value", {}, ["--config", str(tmp / "badvalue.toml"), "questions", "list"],
         f"setting log_level in {tmp / 'badvalue.toml'} is invalid"),
        ("log level under demo", {"MOCKROUND_LOG_LEVEL": "verbose"}, ["demo"],
         "setting MOCKROUND_LOG_LEVEL is invalid"),
        ("missing config under demo", {}, ["--config", str(tmp / "nope.toml"), "demo"],
         "config file not found"),
        ("bad url", {"MOCKROUND_DATABASE_URL": "mysql://x"}, ["run", "console"],
         "must start with sqlite+aiosqlite://"),
        ("no pack loads", {"MOCKROUND_DATABASE_URL": f"{db}{tmp}/ok.db", NO_SHIPPED: "1"},
         ["run", "console"], "no question pack could be loaded"),
        ("discord unreachable", {"DISCORD_TOKEN": "t", "MOCKROUND_DATABASE_URL": f"{db}{tmp}/d.db",
         "MOCKROUND_DISCORD_API_URL": "http://nowhere.invalid/api/v10"}, ["run", "discord"],
         "cannot reach Discord after 1 tries"),
        ("slack unreachable", {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_APP_TOKEN": "xapp-t",
         "MOCKROUND_SLACK_API_URL": "http://nowhere.invalid/api/"}, ["run", "slack"],
         "cannot reach Slack after 1 tries"),
    ]  # fmt: skip


NO_SHIPPED = "test: without the shipped packs"


@pytest.mark.parametrize("index", range(16))
def test_a_bad_start_is_one_line(index, tmp_path, monkeypatch, capsys):
    name, env, argv, expected = cases(tmp_path)[index]
    for key in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "MOCKROUND_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    if env.pop(NO_SHIPPED, None):
        monkeypatch.setattr(config, "REPO_QUESTIONS", tmp_path / "adir")
    monkeypatch.setattr(connecting, "WAITS", ())  # the retries are tested on their own
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    monkeypatch.setattr(sys, "stdin", open("/dev/null"))  # noqa: SIM115 - the console's input
    assert main(argv) == 2, name
    err = [line for line in capsys.readouterr().err.splitlines() if " INFO " not in line]
    assert len(err) == 1 and err[0].startswith("mockround: ") and expected in err[0], (name, err)
    assert "Traceback" not in err[0] and "pw@" not in err[0]


@pytest.mark.parametrize(("module", "extra"), [("slack_sdk", "slack"), ("discord", "discord")])
def test_a_missing_extra_names_the_install_command(module, extra):
    script = (
        f"import sys; sys.modules[{module!r}] = None\n"
        "from bot.cli import main\n"
        f"sys.exit(main(['run', {extra!r}]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f'mockround: the {extra} extra is not installed: pip install "mockround[{extra}]"'
    )


async def test_the_network_is_tried_again_with_growing_waits_before_giving_up():
    waited, tries = [], []

    async def down():
        tries.append(1)
        if len(tries) < 4:
            raise OSError(-2, "Name or service not known")
        return "connected"

    async def sleep(seconds):
        waited.append(seconds)

    assert await connecting.reach(down, "Slack", "X", sleep=sleep) == "connected"
    assert waited == [1.0, 2.0, 4.0]
    waited.clear()

    async def never():
        raise OSError(-2, "Name or service not known")

    with pytest.raises(config.SettingsError, match="cannot reach Slack after 6 tries"):
        await connecting.reach(never, "Slack", "X", sleep=sleep)
    assert waited == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_a_second_process_on_one_sqlite_file_is_refused_in_one_line(tmp_path):
    from bot.storage.sql_engine import hold_single_process

    url = f"sqlite+aiosqlite:///{tmp_path / 'one.db'}"
    held = hold_single_process(url)  # this test is the first process
    try:
        env = {"PATH": "/usr/bin:/bin", "DISCORD_TOKEN": "t", "MOCKROUND_DATABASE_URL": url}
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run", "discord"],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            f"mockround: another mockround process is using {tmp_path / 'one.db'}: SQLite "
            "serves one process; stop the other, or give several replicas one PostgreSQL "
            "(MOCKROUND_DATABASE_URL=postgresql+asyncpg://...)"
        ]
    finally:
        held.close()
    assert hold_single_process(url) is not None  # once the first is gone, a start is fine
