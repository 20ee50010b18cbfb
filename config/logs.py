"""Structured logs: one JSON object per line on stderr in production, plain text on the embedded
default (LOG_FORMAT=json|text), and the id of the request being served on every record.

The request id lives in a context variable, not a thread local: under ASGI a request's sync
code runs in a thread that asgiref picks, and contextvars follow the request across those hops.
config.observability sets it for each HTTP request; records logged outside a request (workers,
sockets, commands) have none.
"""

import contextvars
import datetime
import json
import logging
import re
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("rayzan_request_id", default=None)

# What an incoming X-Request-ID may look like to be reused (nginx's $request_id is 32 hex digits,
# a UUID is 36 characters). Anything else is replaced: it would end up in every log line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
LOG_FORMATS = ("json", "text")

# The attributes every LogRecord has; anything else on a record came from `extra=` and is logged.
# ("color_message": uvicorn's copy of the message with terminal colour codes.)
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "request_id", "color_message"}


def request_id_from(incoming: str | None) -> str:
    """The incoming id when it looks sane (a proxy's or a client's, for correlation), else a new one."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


def bind_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value)


def unbind_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record ("-" outside a request), for both formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get() or "-"
        return True


class ServerConnectionLinesFilter(logging.Filter):
    """Drops uvicorn's line per WebSocket handshake (it starts with the client's IP address and
    port: personal data) and the per-socket "connection open/closed" lines: under a reconnect
    storm they would be most of the log. /metrics counts the sockets instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg if isinstance(record.msg, str) else ""
        return not (message.startswith('%s - "WebSocket ') or message in {"connection open", "connection closed"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the
    record's `extra` fields, and the exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id and request_id != "-":
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(log_format: str, level: str) -> dict:
    """The LOGGING setting: one stderr handler in the chosen format, with the request id.

    uvicorn configures its own loggers before Django starts; they are routed through the same
    handler here so that its lines are JSON too, and its access lines (which record the client's
    IP address) are silenced: config.observability writes one access line per HTTP request instead.
    """
    if log_format not in LOG_FORMATS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}.")
    formatter = {"()": "config.logs.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.logs.RequestIdFilter"},
                    "server_connection_lines": {"()": "config.logs.ServerConnectionLinesFilter"}},
        "formatters": {"rayzan": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "rayzan", "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Wagtail logs every publish and background task at INFO; that is noise for operators.
            "wagtail": {"level": "WARNING"},
            "django_tasks": {"level": "WARNING"},
            "django.tasks": {"level": "WARNING"},
            "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO", "filters": ["server_connection_lines"]},
            "uvicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }
