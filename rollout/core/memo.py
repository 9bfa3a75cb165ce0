"""Results kept in the process's memory, keyed by everything they are computed from (content-addressed): a page
fragment rendered from given figures, a chart built from snapshots of a given signature. A key that says what
the result depends on needs no version to bump and is never stale; the memory is the process's own, so a new
deployment (new processes: other templates, translations) starts empty, and a bounded size keeps it small.

``process_memo(maxsize)`` is ``functools.lru_cache`` that registers itself, so that ``memos_clear()`` empties
every memo: when a setting changes (``setting_changed``, sent by the tests' ``override_settings``) and between
tests (``tests/conftest.py``).
"""

import functools
from collections.abc import Callable

from django.core.signals import setting_changed

_memos: list = []


def process_memo(maxsize: int) -> Callable:
    """Decorate a function whose result depends only on its (hashable) arguments and the running code."""

    def decorate(function):
        memo = functools.lru_cache(maxsize=maxsize)(function)
        _memos.append(memo)
        return memo

    return decorate


def memos_clear(**kwargs) -> None:
    """Forget every memo's results (a signal receiver too)."""
    for memo in _memos:
        memo.cache_clear()


setting_changed.connect(memos_clear, dispatch_uid="rollout-memos-clear")
