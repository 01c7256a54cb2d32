"""The encrypted local store: unreadable bytes, atomic writes, no overwrite of good data."""

from __future__ import annotations

import json
import os

import pytest

from app.services.settings import MemoryStore
from app.services.vault import KEY_NAME, FileBlobStore, KeyValueBlobStore, Vault, VaultError

DOC = {"children": [{"name": "さくら", "birth": "2025-07-31", "weight_kg": 3.1}], "note": "secret-marker"}


class BrokenKeyStore:
    async def get(self, key):
        raise RuntimeError("no secure storage on this platform")

    async def set(self, key, value):
        raise RuntimeError("no secure storage on this platform")


class ForgetfulKeyStore(MemoryStore):
    async def set(self, key, value):  # accepts and drops
        self.writes += 1


async def _vault(tmp_path, keys=None):
    return await Vault.open(FileBlobStore(tmp_path), keys if keys is not None else MemoryStore())


@pytest.mark.asyncio
async def test_round_trip_and_bytes_are_not_plain_text(tmp_path):
    vault = await _vault(tmp_path)
    assert vault.protection == "secure_storage"
    await vault.save("handbook", DOC)
    assert await vault.load("handbook") == DOC
    raw = (tmp_path / "handbook.vault").read_bytes()
    for needle in (b"secret-marker", "さくら".encode(), b"2025-07-31", b"children", b"weight"):
        assert needle not in raw
    env = json.loads(raw)
    assert env["alg"] == "AES-256-GCM" and env["format"] == "machi-vault"


@pytest.mark.asyncio
async def test_missing_document_is_none(tmp_path):
    assert await (await _vault(tmp_path)).load("handbook") is None


@pytest.mark.asyncio
async def test_same_key_store_reopens(tmp_path):
    keys = MemoryStore()
    await (await _vault(tmp_path, keys)).save("h", DOC)
    assert await (await _vault(tmp_path, keys)).load("h") == DOC
    assert KEY_NAME in keys.data


@pytest.mark.asyncio
async def test_truncated_file_keeps_old_data(tmp_path):
    vault = await _vault(tmp_path)
    await vault.save("h", {"v": 1})
    await vault.save("h", {"v": 2})
    path = tmp_path / "h.vault"
    path.write_bytes(path.read_bytes()[:40])  # damaged outside the app
    assert await vault.load("h") == {"v": 1}  # the previous generation
    assert vault.recovered == ["h"]


@pytest.mark.asyncio
async def test_truncated_without_backup_raises_and_writes_nothing(tmp_path):
    vault = await _vault(tmp_path)
    await vault.save("h", {"v": 1})
    path = tmp_path / "h.vault"
    damaged = path.read_bytes()[:-10]
    path.write_bytes(damaged)
    with pytest.raises(VaultError, match="damaged"):
        await vault.load("h")
    assert path.read_bytes() == damaged
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.vault"]


@pytest.mark.asyncio
async def test_crash_during_write_leaves_old_file(tmp_path, monkeypatch):
    vault = await _vault(tmp_path)
    await vault.save("h", {"v": 1})
    before = (tmp_path / "h.vault").read_bytes()

    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        await vault.save("h", {"v": 2})
    monkeypatch.undo()
    assert (tmp_path / "h.vault").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["h.vault"]  # no temp file left
    assert await vault.load("h") == {"v": 1}


@pytest.mark.asyncio
async def test_tampered_ciphertext_is_refused(tmp_path):
    vault = await _vault(tmp_path)
    await vault.save("h", DOC)
    env = json.loads((tmp_path / "h.vault").read_text())
    env["ct"] = env["ct"][:-8] + ("A" * 8 if not env["ct"].endswith("A" * 8) else "B" * 8)
    (tmp_path / "h.vault").write_text(json.dumps(env))
    with pytest.raises(VaultError):
        await vault.load("h")


@pytest.mark.asyncio
async def test_document_name_is_bound(tmp_path):
    vault = await _vault(tmp_path)
    await vault.save("a", DOC)
    (tmp_path / "b.vault").write_bytes((tmp_path / "a.vault").read_bytes())
    with pytest.raises(VaultError):
        await vault.load("b")


@pytest.mark.asyncio
async def test_other_key_is_never_overwritten(tmp_path):
    await (await _vault(tmp_path, MemoryStore())).save("h", DOC)
    before = (tmp_path / "h.vault").read_bytes()
    other = await _vault(tmp_path, MemoryStore())  # a new key (e.g. secure storage was wiped)
    with pytest.raises(VaultError, match="another key"):
        await other.load("h")
    with pytest.raises(VaultError, match="another key"):
        await other.save("h", {"empty": True})
    assert (tmp_path / "h.vault").read_bytes() == before


@pytest.mark.asyncio
async def test_no_secure_storage_falls_back_and_says_so(tmp_path):
    fallback = MemoryStore()
    vault = await Vault.open(FileBlobStore(tmp_path), BrokenKeyStore(), fallback=fallback)
    assert vault.protection == "none"
    await vault.save("h", DOC)
    assert await vault.load("h") == DOC
    with pytest.raises(VaultError):
        await Vault.open(FileBlobStore(tmp_path), BrokenKeyStore())


@pytest.mark.asyncio
async def test_key_store_that_drops_writes_is_not_trusted(tmp_path):
    vault = await Vault.open(FileBlobStore(tmp_path), ForgetfulKeyStore(), fallback=MemoryStore())
    assert vault.protection == "none"


@pytest.mark.asyncio
async def test_web_protection_and_key_value_blobs():
    prefs = MemoryStore()
    vault = await Vault.open(KeyValueBlobStore(prefs), MemoryStore(), web=True)
    assert vault.protection == "browser"
    await vault.save("h", {"v": 1})
    await vault.save("h", {"v": 2})
    assert await vault.load("h") == {"v": 2}
    assert all("secret" not in v for v in prefs.data.values())
    prefs.data["machi.vault.h"] = prefs.data["machi.vault.h"][:30]
    assert await vault.load("h") == {"v": 1}


@pytest.mark.asyncio
async def test_schema_migrations(tmp_path):
    keys = MemoryStore()
    await (await _vault(tmp_path, keys)).save("h", {"kids": []})
    v2 = await Vault.open(
        FileBlobStore(tmp_path),
        keys,
        migrations={"h": (2, {1: lambda d: {"children": d["kids"], "added": True}})},
    )
    assert await v2.load("h") == {"children": [], "added": True}
    await v2.save("h", {"children": []})
    with pytest.raises(VaultError, match="newer"):
        await (await _vault(tmp_path, keys)).load("h")  # an old app build meets schema 2


@pytest.mark.asyncio
async def test_damaged_key_is_an_error_not_a_new_key(tmp_path):
    keys = MemoryStore({KEY_NAME: "not base64!"})
    with pytest.raises(VaultError, match="key is damaged"):
        await Vault.open(FileBlobStore(tmp_path), keys, fallback=MemoryStore())
