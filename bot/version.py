"""The installed version of zhongfu, from the package metadata (pyproject.toml's version)."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    """`0.1.0`, or `unknown` when zhongfu runs from a source folder without being installed."""
    try:
        return metadata.version("zhongfu")
    except metadata.PackageNotFoundError:
        return "unknown"
