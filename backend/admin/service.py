"""Staff tokens (``machi_<id>_<secret>``, stored as a SHA-256 hash) and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.admin.models import ApiToken, AuditEntry
from backend.db import utcnow
from backend.security import hash_secret, new_id, new_secret, verify_secret

SCOPES = ("announce", "alert", "admin")


def audit(
    db: Session, actor: str, action: str, target: str | None = None, detail: dict | None = None
) -> None:
    db.add(
        AuditEntry(
            at=utcnow(),
            actor=actor[:64],
            action=action[:64],
            target=(target or None) and target[:200],
            detail=detail or {},
        )
    )


def create_token(db: Session, scope: str, name: str, actor: str = "cli") -> tuple[ApiToken, str]:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    if not name.strip() or len(name) > 100:
        raise ValueError("a token needs a name of 1 to 100 characters")
    tid = new_id(6)[:8]
    secret = new_secret()
    token = ApiToken(
        id=tid, name=name.strip(), scope=scope, token_hash=hash_secret(secret), created_at=utcnow()
    )
    db.add(token)
    audit(db, actor, "token.create", tid, {"scope": scope, "name": name.strip()})
    db.commit()
    return token, f"machi_{tid}_{secret}"


def revoke_token(db: Session, token_id: str, actor: str = "cli") -> bool:
    token = db.get(ApiToken, token_id)
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit(db, actor, "token.revoke", token_id, {})
    db.commit()
    return True


def check_token(db: Session, raw: str | None) -> ApiToken | None:
    """The live token matching ``raw`` (constant-time hash comparison), or None."""
    if not raw or not raw.startswith("machi_"):
        verify_secret(raw, None)
        return None
    tid, _, secret = raw[len("machi_") :].partition("_")
    token = db.get(ApiToken, tid) if tid and len(tid) <= 16 else None
    ok = verify_secret(secret, token.token_hash if token else None)
    if not ok or token is None or token.revoked_at is not None:
        return None
    if token.last_used_at is None or utcnow() - token.last_used_at > dt.timedelta(minutes=1):
        token.last_used_at = utcnow()
    return token


def allows(token: ApiToken, scope: str) -> bool:
    return token.scope == "admin" or token.scope == scope


def entries(db: Session, limit: int = 100) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


def stats(*, db_session: Session, now: dt.datetime) -> dict:
    """Delivery figures for staff, and how long each city's garbage data lasts (warnings included)."""
    from backend.delivery import coverage
    from backend.delivery.models import OutboxRow, Pause
    from backend.devices.models import Device

    outbox = db_session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()
    cities = coverage.data_coverage(now=now)
    return {
        "devices": db_session.scalar(select(func.count()).select_from(Device)) or 0,
        "devices_with_push_token": db_session.scalar(
            select(func.count()).select_from(Device).where(Device.push_token.is_not(None))
        )
        or 0,
        "outbox": {k: int(v) for k, v in outbox},
        "paused": {p.key: p.until.isoformat() for p in db_session.scalars(select(Pause))},
        "garbage_data": cities,
        "warnings": [c["message"] for c in cities if c["status"] in ("ending", "ended", "unreadable")],
    }
