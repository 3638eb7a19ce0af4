"""Settings from the environment (MOCKROUND_*, plus each platform's usual token names)
and an optional TOML file. Nothing is read at import time: call ``load_settings``."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings import SettingsError as PydanticSettingsError

from bot.questions.shipped import REPO_QUESTIONS


def default_database_url() -> str:
    path = Path(user_data_dir("mockround")) / "mockround.db"
    return f"sqlite+aiosqlite:///{path}"


# the platforms' own variable names, read without the MOCKROUND_ prefix
PLATFORM_NAMES = {"discord_token", "slack_bot_token", "slack_app_token", "slack_signing_secret"}


class SettingsError(ValueError):
    """Start-up refused: the message names the setting and what it accepts."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOCKROUND_", extra="forbid", populate_by_name=True
    )

    database_url: str = Field(default_factory=default_database_url)
    question_dirs: list[Path] = Field(default_factory=list)  # extra pack directories of a community
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"  # json: one object per line, with ids
    retention_days: int = Field(default=30, ge=1)  # sent posts and fired timers kept this long
    http_port: int | None = Field(default=None, ge=0, le=65535)  # /healthz and /metrics
    http_host: str = "0.0.0.0"

    discord_token: str | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "MOCKROUND_DISCORD_TOKEN")
    )
    discord_api_url: str | None = None  # e.g. http://127.0.0.1:8123/api/v10 (a local fake)
    discord_gateway_url: str | None = None
    discord_guild_ready_timeout: float = 2.0
    # this replica's gateway shards, "ids/count": "0,1/4" or "0-1/4" (None: one connection)
    discord_shards: str | None = None

    slack_bot_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "MOCKROUND_SLACK_BOT_TOKEN")
    )
    slack_app_token: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "MOCKROUND_SLACK_APP_TOKEN")
    )
    slack_signing_secret: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "MOCKROUND_SLACK_SIGNING_SECRET"),
    )
    slack_api_url: str | None = None  # e.g. http://127.0.0.1:8124/api/ (a local fake)
    slack_port: int = Field(default=3000, ge=1, le=65535)
    slack_host: str = "0.0.0.0"  # HTTP mode listens here (127.0.0.1 behind a local proxy)
    slack_mode: Literal["socket", "http"] | None = None

    # how a community that has not chosen (/mock config meet=) meets: each pair books a time
    # in a window of days, or everyone at the round time
    meet_default: Literal["window", "live"] = "window"
    # pairing weights (integers: the matching works on integer weights)
    pair_repeat_penalty: int = Field(default=1000, ge=0)
    pair_repeat_half_life_weeks: float = Field(default=8.0, gt=0)
    pair_timezone_weight: int = Field(default=40, ge=0)
    pair_level_weight: int = Field(default=30, ge=0)
    pair_role_weight: int = Field(default=10, ge=0)
    pair_reliability_weight: int = Field(default=40, ge=0)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("discord_shards")
    @classmethod
    def _shard_split(cls, value: str | None) -> str | None:
        if value is not None:
            shard_split(value)
        return value

    @property
    def shards(self) -> tuple[tuple[int, ...], int] | None:
        """(this replica's shard ids, the total count), or None for one connection."""
        return shard_split(self.discord_shards) if self.discord_shards else None

    @property
    def pack_dirs(self) -> list[Path]:
        return [REPO_QUESTIONS, *self.question_dirs]

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if settings_cls.model_config.get("toml_file"):
            sources.append(TomlConfigSettingsSource(settings_cls))
        return tuple(sources)


SHARDS_FORM = 'shard ids and the total count, e.g. "0,1/4", "2-3/4" or "0/1"'


def shard_split(value: str) -> tuple[tuple[int, ...], int]:
    """ "0,1/4" -> ((0, 1), 4); ValueError (naming the accepted form) for anything else."""
    try:
        ids_text, count_text = value.replace(" ", "").split("/")
        count, ids = int(count_text), []
        for part in ids_text.split(","):
            first, _, last = part.partition("-")
            ids += range(int(first), int(last or first) + 1)
    except ValueError:
        raise ValueError(f"must be {SHARDS_FORM}") from None
    if count < 1 or not ids or any(not 0 <= i < count for i in ids) or len(set(ids)) < len(ids):
        raise ValueError(f"must be {SHARDS_FORM}, each id from 0 to count-1 once")
    return tuple(sorted(ids)), count


def load_settings(toml_file: Path | None = None, **overrides: object) -> Settings:
    """Read settings; a wrong value raises SettingsError naming the setting."""
    if toml_file is not None and not toml_file.is_file():
        raise SettingsError(f"config file not found: {toml_file}")
    cls = Settings
    if toml_file is not None:
        config = SettingsConfigDict(**{**Settings.model_config, "toml_file": toml_file})
        cls = type("FileSettings", (Settings,), {"model_config": config})
    try:
        return cls(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {toml_file} is not valid TOML: {exc}") from None
    except PydanticSettingsError as exc:  # an environment value that is not JSON
        field = str(exc).partition('field "')[2].partition('"')[0] or "a setting"
        hint = JSON_HINTS.get(field, "a JSON value")
        raise SettingsError(f"setting MOCKROUND_{field.upper()} must be {hint}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "_".join(str(p) for p in first["loc"]) or "settings"
        raise SettingsError(
            f"setting {_where(name, toml_file)} is invalid: {first['msg']}"
        ) from None


JSON_HINTS = {"question_dirs": 'a JSON list of directories, e.g. ["/srv/mockround/packs"]'}


def _where(name: str, toml_file: Path | None) -> str:
    """The environment variable if it is set, else the key in the config file."""
    env = name.upper() if name in PLATFORM_NAMES else f"MOCKROUND_{name.upper()}"
    if toml_file is not None and env not in os.environ:
        return f"{name} in {toml_file}"
    return env
