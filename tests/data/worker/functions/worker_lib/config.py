"""Settings from environment variables, with errors that name the variable."""

from __future__ import annotations

import os


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ConfigError(f"environment variable {name} is not set")
    return value


def env_list(name: str) -> list[str]:
    """A comma-separated variable as a list; empty when unset."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"environment variable {name}={raw!r} is not a number") from None
