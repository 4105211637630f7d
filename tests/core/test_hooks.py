"""A hook (core/hooks.py) is filled once by the wing above and fails loudly while empty."""

from __future__ import annotations

import pytest

from core.hooks import Hook, HookMissing


def test_an_empty_hook_names_who_should_have_filled_it():
    hook: Hook[int] = Hook("quiz.example.hook", "quiz.example.wiring")
    assert not hook.provided
    with pytest.raises(HookMissing, match=r"quiz\.example\.hook.*quiz\.example\.wiring\.install"):
        hook()


def test_a_hook_is_filled_once_and_a_second_filler_is_refused():
    hook: Hook[str] = Hook("quiz.example.hook", "quiz.example.wiring")
    hook.provide("first")
    hook.provide("first")  # installing the same wing again is harmless (create_app runs once per app)
    assert hook() == "first" and hook.provided
    with pytest.raises(RuntimeError, match="already provided"):
        hook.provide("second")
    assert hook() == "first"
