"""Secrets: random bearer secrets, stored only as SHA-256 hashes, compared in constant time.

The secrets are 256-bit random values, so a plain SHA-256 is enough (no password stretching
needed); comparison uses ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_id(nbytes: int = 12) -> str:
    return secrets.token_urlsafe(nbytes).replace("-", "x").replace("_", "y")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_DUMMY = hash_secret("machi-dummy-secret")


def verify_secret(secret: str | None, stored_hash: str | None) -> bool:
    """Constant-time check; a missing stored hash still costs one comparison."""
    given = hash_secret(secret or "")
    ok = hmac.compare_digest(given, stored_hash or _DUMMY)
    return ok and bool(secret) and stored_hash is not None


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
