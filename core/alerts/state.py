"""The state of one phenomenon for one city, and the change between two snapshots (pure rules).

Push rules (issue #12): a new warning or a raised level pushes with high priority (time-sensitive
on iOS from level 4); a warning continued at the same level never pushes again; a lowered level or
a lift sends one quiet update.  R06 is the authority: an H27 (transitional) document only sets a
phenomenon that no R06 document has set yet, so the same state from both pushes once.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.alerts.jma import Warning


@dataclass(frozen=True)
class State:
    active: bool
    level: int | None = None
    rank: int = 0
    name: str = ""
    source: str = ""  # R06 | H27 | "" (never seen)

    @classmethod
    def of(cls, w: Warning | None, source: str) -> State:
        if w is None:
            return cls(active=False, source=source)
        return cls(active=True, level=w.level, rank=w.rank, name=w.name, source=source)


NONE = State(active=False)


@dataclass(frozen=True)
class Change:
    kind: str  # issued | raised | lowered | lifted
    before: State
    after: State

    @property
    def push(self) -> bool:
        """High-priority push (issued, raised) rather than one quiet update (lowered, lifted)."""
        return self.kind in ("issued", "raised")

    @property
    def time_sensitive(self) -> bool:
        return self.push and (self.after.level or 0) >= 4

    @property
    def level(self) -> int | None:
        return self.after.level if self.after.active else self.before.level


def applies(current: State, scheme: str) -> bool:
    """Whether a document of ``scheme`` may set a phenomenon now in ``current``."""
    return scheme == "R06" or current.source != "R06"


def change(before: State, after: State) -> Change | None:
    """The change from ``before`` to ``after`` (None: nothing to tell, e.g. continued at the same level)."""
    if not before.active and not after.active:
        return None
    if not before.active:
        return Change("issued", before, after)
    if not after.active:
        return Change("lifted", before, after)
    if after.rank > before.rank:
        return Change("raised", before, after)
    if after.rank < before.rank:
        return Change("lowered", before, after)
    return None
