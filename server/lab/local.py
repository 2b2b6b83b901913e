"""The embedded lab backend: every session in its own local worker process, nothing to install.

A worker is a fresh interpreter (multiprocessing's spawn: no copy of the server's threads or sockets)
that confines itself (a low priority, one torch thread, a memory cap), imports torch and the lab, and then
waits for its session. One such spare is kept started, so opening a session does not wait for torch
to import. Ending a session ends its process, which returns all of its memory.
"""

import logging
import multiprocessing
import threading
from multiprocessing.connection import Connection

from server.lab.worker import WorkerLimits, confine_process, serve

log = logging.getLogger("genlab.lab")
_SPAWN = multiprocessing.get_context("spawn")


def _worker_main(conn: Connection, limits: WorkerLimits) -> None:
    """The worker process: confine, warm up, wait for a session spec (None: stop), run it."""
    confine_process(limits)
    import models.lab  # noqa: F401  (the warm-up: a spare has torch and the lab imported before it is needed)
    import server.images  # noqa: F401

    try:
        spec = conn.recv()
        if spec is not None:
            serve(spec, limits, conn, conn)
    except (EOFError, BrokenPipeError):  # the server went away: nothing left to serve
        pass
    except (RuntimeError, MemoryError) as exc:  # e.g. the memory cap: this session ends, the others go on
        conn.send(("end", "failed", f"the session's worker failed: {exc}"))


class ProcessChannel:
    """The server's end of one worker: send controls, receive replies and frames, end it."""

    def __init__(self, process, conn: Connection):
        self.process, self.conn = process, conn
        self._send_lock = threading.Lock()

    def send(self, message) -> None:
        with self._send_lock:
            self.conn.send(message)

    def recv(self):
        """The next message; EOFError once the worker is gone."""
        return self.conn.recv()

    def close(self) -> None:
        """Ask the worker to stop, then make sure it has: a session's memory goes with its process."""
        try:
            self.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class LocalBackend:
    name = "local processes"

    def __init__(self, limits: WorkerLimits):
        self.limits = limits
        self._lock = threading.Lock()
        self._spare: tuple | None = None

    def _start(self) -> tuple:
        ours, theirs = _SPAWN.Pipe()
        process = _SPAWN.Process(target=_worker_main, args=(theirs, self.limits), daemon=True, name="genlab-lab")
        process.start()
        theirs.close()
        return process, ours

    def open(self, spec: dict) -> ProcessChannel:
        """A worker running `spec`'s session (its first message says whether it opened); a new spare is started."""
        with self._lock:
            process, conn = self._spare if self._spare and self._spare[0].is_alive() else self._start()
            self._spare = self._start()
        conn.send(spec)
        return ProcessChannel(process, conn)

    def shutdown(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            ProcessChannel(*spare).close()
