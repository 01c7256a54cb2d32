"""The row-level report of one import: accepted, fixed (with what), rejected (with why), fatal."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RowReport:
    kind: str = ""
    file: str = ""
    encoding: str = ""
    header: str = ""  # "v1", "v2" or "gsi"
    accepted: list[int] = field(default_factory=list)
    fixed: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    fatal_errors: list[str] = field(default_factory=list)

    def accept(self, row: int) -> None:
        self.accepted.append(row)

    def fix(self, row: int, what: str) -> None:
        self.fixed.append((row, what))

    def reject(self, row: int, why: str) -> None:
        self.rejected.append((row, why))

    def fatal(self, why: str) -> None:
        self.fatal_errors.append(why)

    @property
    def ok(self) -> bool:
        return not self.fatal_errors and bool(self.accepted)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.file,
            "encoding": self.encoding,
            "header": self.header,
            "accepted": len(self.accepted),
            "fixed": [{"row": r, "what": w} for r, w in self.fixed],
            "rejected": [{"row": r, "reason": w} for r, w in self.rejected],
            "fatal": list(self.fatal_errors),
        }
