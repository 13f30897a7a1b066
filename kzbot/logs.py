"""Logging to stdout, as text for people or JSON lines for log collectors, with the bot token redacted.

One handler on the root logger serves kzbot and every library (discord.py, aiohttp) alike, so the redaction
covers discord.py's own DEBUG output too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import TextIO

from kzbot.config import Settings

REDACTED = "[REDACTED]"
# A bot token: base64 of the bot's id, a timestamp part and an HMAC part, joined by dots.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")
TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class RedactTokens(logging.Filter):
    """Replace the configured token, and anything shaped like a Discord token, in every record it sees.

    The message is rendered (msg % args) before redacting, so a token passed as an argument is caught too;
    tracebacks and stack traces are rendered and redacted here, before any formatter sees them.
    """

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token or None

    def redact(self, text: str) -> str:
        if self.token:
            text = text.replace(self.token, REDACTED)
        return TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, and exc_info when there is a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = record.stack_info
        return json.dumps(line, ensure_ascii=False)


def setup_logging(settings: Settings, *, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to `stream` (default stdout) at settings.log_level, in settings.log_format.

    Calling it again replaces the handler it added before, so it never logs a line twice.
    """
    handler = logging.StreamHandler(sys.stdout if stream is None else stream)
    handler.set_name("kzbot")
    handler.addFilter(RedactTokens(settings.token))
    if settings.log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "kzbot"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    return handler
