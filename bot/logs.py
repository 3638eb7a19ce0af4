"""Log lines as an operator's tools read them: plain text, or one JSON object per line
(MOCKROUND_LOG_FORMAT=json) carrying the community and session the line is about.

The ids travel in context variables, set where a command or a session's event is
handled, so every line logged inside (by any module) carries them."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

community_id: ContextVar[str | None] = ContextVar("community_id", default=None)
session_id: ContextVar[str | None] = ContextVar("session_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (community := community_id.get()) is not None:
            line["community"] = community
        if (session := session_id.get()) is not None:
            line["session"] = session
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, form: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if form == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
