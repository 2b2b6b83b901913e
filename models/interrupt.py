"""Cooperative cancellation for long loops.

A caller that may need to stop work midway (the server, when a client leaves or a deadline
passes) installs a check with `interruptible(check)`; every iterative sampler calls
`checkpoint()` between steps, and the check raises to stop it. The check lives in a context
variable, so each request's worker thread sees only its own, and code run without one (training,
evaluation, tests) pays nothing.
"""

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

_check: ContextVar[Callable[[], None] | None] = ContextVar("genlab_interrupt_check", default=None)


def checkpoint() -> None:
    """A safe point to stop: runs the installed check, which raises if the work should end."""
    check = _check.get()
    if check is not None:
        check()


@contextlib.contextmanager
def interruptible(check: Callable[[], None]) -> Iterator[None]:
    """Run the enclosed work with `check` called at every checkpoint()."""
    token = _check.set(check)
    try:
        yield
    finally:
        _check.reset(token)
