"""Lab sessions as Ray actors, for a class that outgrows one machine (GENLAB_RAY_ADDRESS).

Each session is one actor declaring 1 CPU and its memory cap, so Ray places it where there is room
and refuses to over-commit a node. The actor runs the very loop a local worker runs
(server/lab/worker.py) in a thread, with queues for its inbox and outbox; the web server pushes
controls to it and pulls its messages in batches. Ray is an optional extra: `pip install '.[ray]'`.
"""

import logging
import queue
import threading

from server.lab.worker import WorkerLimits, confine_process, serve

log = logging.getLogger("genlab.lab")
PULL_SECONDS = 1.0  # how long one pull waits for the actor's next message


class QueueInbox:
    """worker.Inbox over a queue.Queue: poll(timeout) / recv()."""

    def __init__(self):
        self.queue: queue.Queue = queue.Queue()
        self._held: list = []

    def poll(self, timeout: float) -> bool:
        if not self._held:
            try:
                self._held.append(self.queue.get(timeout=timeout) if timeout > 0 else self.queue.get_nowait())
            except queue.Empty:
                return False
        return True

    def recv(self):
        return self._held.pop() if self._held else self.queue.get()


class QueueOutbox:
    def __init__(self):
        self.queue: queue.Queue = queue.Queue()

    def send(self, message) -> None:
        self.queue.put(message)


class LabActor:
    """The actor's body (wrapped by ray.remote when the backend starts): one session's loop in a thread."""

    def __init__(self, spec: dict, limits: WorkerLimits):
        confine_process(limits, cap_memory=False)
        self.inbox, self.outbox = QueueInbox(), QueueOutbox()
        self.thread = threading.Thread(target=self._serve, args=(spec, limits), daemon=True)
        self.thread.start()

    def _serve(self, spec: dict, limits: WorkerLimits) -> None:
        try:
            serve(spec, limits, self.inbox, self.outbox)
        except (RuntimeError, MemoryError) as exc:
            self.outbox.send(("end", "failed", f"the session's worker failed: {exc}"))

    def push(self, message) -> None:
        self.inbox.queue.put(message)

    def pull(self, timeout: float) -> list:
        """The messages waiting (at least one unless `timeout` passes first)."""
        try:
            messages = [self.outbox.queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while True:
            try:
                messages.append(self.outbox.queue.get_nowait())
            except queue.Empty:
                return messages


class RayChannel:
    """The server's end of one actor (same interface as local.ProcessChannel)."""

    def __init__(self, ray, actor):
        self.ray, self.actor = ray, actor
        self._buffer: list = []

    def send(self, message) -> None:
        self.ray.get(self.actor.push.remote(message))

    def recv(self):
        while not self._buffer:
            try:
                self._buffer = self.ray.get(self.actor.pull.remote(PULL_SECONDS))
            except self.ray.exceptions.RayError as exc:
                raise EOFError(f"the session's actor is gone: {exc}") from exc
        return self._buffer.pop(0)

    def close(self) -> None:
        try:
            self.ray.kill(self.actor)
        except self.ray.exceptions.RayError:
            pass


class RayBackend:
    name = "Ray actors"

    def __init__(self, limits: WorkerLimits, address: str):
        import ray  # the optional extra: only a server configured for Ray needs it

        self.ray, self.limits = ray, limits
        if not ray.is_initialized():
            ray.init(address=address, log_to_driver=False)
        self.actor_class = ray.remote(LabActor).options(
            num_cpus=1, memory=limits.memory_mb * 2**20, max_concurrency=4)
        log.info("lab sessions run as Ray actors on %s: %s", address, ray.cluster_resources())

    def open(self, spec: dict) -> RayChannel:
        return RayChannel(self.ray, self.actor_class.remote(spec, self.limits))

    def shutdown(self) -> None:
        pass  # the actors are killed one by one as their sessions end; the cluster is not ours to stop
