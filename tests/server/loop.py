"""Running a coroutine from a synchronous test (not a test module: pytest collects only test_*.py)."""

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run(coro: Coroutine) -> Any:
    """On a thread of its own: a browser test's sync Playwright may have left a loop running in this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coro).result()
