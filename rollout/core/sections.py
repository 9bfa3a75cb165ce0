"""Sections of a page filled in by the apps above the page's own app.

Imports go one way (the import-linter contracts in ``pyproject.toml``): personnel cannot import training to show
an officer's courses on the officer's page, nor communes personnel to list a commune's posts. The page's app
declares a ``PageSections``; each app above it registers, from its ``AppConfig.ready``, a section: the key it
takes in the template context and a function of the page's object that reads it. The page's view puts every
registered section into its context, so the template and its context keys stay as they were.
"""

from collections.abc import Callable
from typing import Any


class PageSections:
    """The sections registered for one page (``name`` says which, for error messages and the docs)."""

    def __init__(self, name: str):
        self.name = name
        self._readers: dict[str, Callable[[Any], object]] = {}

    def register(self, key: str, read: Callable[[Any], object]) -> None:
        """Show ``read(obj)`` on the page under ``key`` (registering a key again replaces its reader)."""
        self._readers[key] = read

    def read(self, obj) -> dict[str, object]:
        """Every registered section of the page of ``obj``, by key."""
        return {key: read(obj) for key, read in self._readers.items()}

    def read_one(self, key: str, obj, default=None):
        """One section of the page of ``obj`` (another page showing the same part), ``default`` when no app
        registered it."""
        read = self._readers.get(key)
        return default if read is None else read(obj)
