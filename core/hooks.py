"""A hook: a slot owned by a lower layer and filled by a higher one, so that dependencies point one way.

quiz's wings depend on each other roster ← live ← review ← quarter (docs/architecture.md). Where a lower
wing must reach something a higher wing owns (the live meeting ends a review's open votes; a re-mark is
recorded in the quarter's book), the lower wing declares a Hook typed by what it needs and calls it; the higher
wing provides the implementation when it is installed (app.create_app installs every wing). A hook nobody filled
raises HookMissing when it is called: a forgotten installation fails loudly, it never skips a step.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class HookMissing(RuntimeError):
    """A hook was called before the wing that fills it was installed."""


class Hook(Generic[T]):
    """One implementation of `T`, provided once by the module named in `provider`."""

    def __init__(self, name: str, provider: str) -> None:
        self.name = name
        self.provider = provider
        self._value: T | None = None

    def provide(self, value: T) -> None:
        """Fill the hook. Providing the same value again is a no-op; a different one is a wiring mistake."""
        if self._value is not None and self._value != value:
            raise RuntimeError(f"hook {self.name} is already provided; only {self.provider} fills it")
        self._value = value

    def __call__(self) -> T:
        """The implementation; HookMissing when its wing was never installed."""
        if self._value is None:
            raise HookMissing(f"hook {self.name} has no implementation: {self.provider}.install() was not "
                              "called (app.create_app calls it for every entry point)")
        return self._value

    @property
    def provided(self) -> bool:
        """Whether the hook is filled."""
        return self._value is not None
