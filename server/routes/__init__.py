"""One router per capability area."""
