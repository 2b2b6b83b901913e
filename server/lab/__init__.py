"""The live lab's transport: sessions trained in worker processes or Ray actors, frames over SSE.

worker.py is the session loop every worker runs; local.py (the default) and ray_backend.py are where
it runs; sessions.py is the server's view of them (who holds what, readers, the run log, the end)."""

from server.config import Settings
from server.lab.sessions import ControlRefused, LabManager, LabSession
from server.lab.worker import WorkerLimits

__all__ = ["ControlRefused", "LabManager", "LabSession", "make_lab"]


def worker_limits(settings: Settings) -> WorkerLimits:
    return WorkerLimits(max_steps=settings.lab_max_steps, max_seconds=settings.lab_max_seconds,
                        memory_mb=settings.lab_memory_mb, nice=settings.lab_nice, min_frame_seconds=1 / settings.lab_max_fps,
                        checkpoint_dir=str(settings.checkpoint_dir))


def make_lab(settings: Settings) -> LabManager:
    """Local worker processes, or Ray actors when GENLAB_RAY_ADDRESS is set. Nothing starts until `start`."""
    if settings.ray_address:
        from server.lab.ray_backend import RayBackend

        return LabManager(settings, lambda: RayBackend(worker_limits(settings), settings.ray_address))
    from server.lab.local import LocalBackend

    return LabManager(settings, lambda: LocalBackend(worker_limits(settings)))
