"""The worker's loop without a process around it: what it sends, in which order."""

from models.lab import Session
from server.lab.worker import STATE_PAUSED, STATE_PLAYING, SessionRunner, WorkerLimits

LIMITS = WorkerLimits(max_steps=10_000, max_seconds=600, memory_mb=0, nice=0, min_frame_seconds=0.0, checkpoint_dir="")


class Outbox(list):
    def send(self, message: tuple) -> None:
        self.append(message)


def _runner() -> tuple[SessionRunner, Outbox]:
    outbox = Outbox()
    return SessionRunner(Session("gan", "8gaussians", seed=0), LIMITS, outbox, steps_per_frame=2), outbox


def test_frames_and_replies_count_the_controls_applied_so_a_page_can_order_them():
    """A page gets the replies and the frames by two roads, so a frame sent while playing can arrive after
    the pause's reply; its count, smaller than the reply's, tells the page that its state is older."""
    runner, outbox = _runner()
    runner.handle({"seq": 1, "action": "play"})
    runner._advance(2)  # what the loop does while playing
    runner.handle({"seq": 2, "action": "pause"})
    runner.handle({"seq": 3, "action": "speed", "steps_per_frame": 0})  # refused: changes nothing, counts nothing
    runner.handle({"seq": 4, "action": "step", "n": 3})

    kinds = [(m[0], m[2] if m[0] == "reply" else m[1]) for m in outbox]
    play, frame_playing, pause, refused, step, frame_stepped = (body for _, body in kinds)
    assert [k for k, _ in kinds] == ["reply", "frame", "reply", "reply", "reply", "frame"]
    assert play["ok"]["controls_applied"] == 1 and play["ok"]["state"] == STATE_PLAYING
    assert frame_playing["state"] == STATE_PLAYING and frame_playing["controls_applied"] == 1
    assert pause["ok"]["state"] == STATE_PAUSED and pause["ok"]["controls_applied"] == 2
    assert "error" in refused
    assert step["ok"]["controls_applied"] == 3
    assert frame_stepped["state"] == STATE_PAUSED and frame_stepped["controls_applied"] == 3
    assert frame_playing["controls_applied"] < pause["ok"]["controls_applied"]
