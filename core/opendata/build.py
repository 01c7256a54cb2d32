"""Merge imported places into a city's ``places.json``: one kind replaced at a time, nothing partial."""

from __future__ import annotations

from core.places.model import KINDS, Place


def merge_kind(existing: list[Place], kind: str, new: list[Place]) -> list[Place]:
    """``existing`` with every place of ``kind`` replaced by ``new`` (kinds kept in KINDS order)."""
    kept = [p for p in existing if p.kind != kind]
    merged = kept + list(new)
    return sorted(merged, key=lambda p: KINDS.index(p.kind))  # stable: source order inside a kind
