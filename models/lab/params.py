"""Hyper-parameters a lab session exposes, with their bounds: a change outside them is refused by name.

A student drags sliders mid-run; a bad value must come back as one clear message (which field, what is
allowed) and leave the session as it was, so every check happens before anything is changed."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    """A number in [low, high]; `integer` ones refuse fractions."""

    default: float
    low: float
    high: float
    integer: bool = False

    def check(self, name: str, value) -> float | int:
        kind = int if self.integer else float
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (self.integer and value != int(value)):
            raise ValueError(f"{name}: expected {'an integer' if self.integer else 'a number'} in "
                             f"[{self.low:g}, {self.high:g}], got {value!r}")
        if not self.low <= value <= self.high:  # also refuses NaN
            raise ValueError(f"{name}: {value!r} is outside the allowed range [{self.low:g}, {self.high:g}]")
        return kind(value)


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of names."""

    default: str
    options: tuple[str, ...]

    def check(self, name: str, value) -> str:
        if value not in self.options:
            raise ValueError(f"{name}: {value!r} is not one of the allowed values {list(self.options)}")
        return value


Spec = Range | Choice

# What every family shares: how it is optimised and how much data each update sees.
COMMON: dict[str, Spec] = {
    "optimizer": Choice("adam", ("adam", "sgd")),
    "batch_size": Range(256, 8, 2048, integer=True),
}


def validate(specs: dict[str, Spec], changes: dict) -> dict:
    """The checked values of `changes`, or ValueError naming the first unknown or out-of-range field."""
    unknown = sorted(set(changes) - set(specs))
    if unknown:
        raise ValueError(f"{unknown[0]}: not a hyper-parameter of this session; allowed: {sorted(specs)}")
    return {name: specs[name].check(name, value) for name, value in changes.items()}


def defaults(specs: dict[str, Spec]) -> dict:
    return {name: spec.default for name, spec in specs.items()}
