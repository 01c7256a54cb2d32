"""An encrypted local store for personal records (the handbook, payslips): never on a server.

Each named document is one JSON object, encrypted with AES-256-GCM (``cryptography``; in the
browser, where the static site ships no ``cryptography`` wheel, the same AES-256-GCM through the
browser's WebCrypto, ``crypto.subtle``: both give ciphertext || 16-byte tag) under a 256-bit key that lives in the
platform's secure storage (flet-secure-storage: Keychain on iOS/macOS, Keystore-backed
EncryptedSharedPreferences on Android, libsecret on Linux, DPAPI on Windows).

Seams (so tests and every platform plug in what they have):

* ``BlobStore``: where the ciphertext goes.  ``FileBlobStore`` writes a temporary file, fsyncs
  it and renames it over the old one (atomic on POSIX and Windows); ``KeyValueBlobStore`` puts
  it under one SharedPreferences key (localStorage on the web), and one key set is the swap.
  Both keep the previous generation (``<name>.prev``), so a document damaged outside the app
  can be recovered from the one before.
* ``KeyStore``: anything with ``async get(key)`` / ``async set(key, value)``: flet-secure-storage's
  ``SecureStorage`` fits as it is.

``Vault.protection`` tells the UI how well the key is kept:

* ``"secure_storage"``: the platform's key store holds the key;
* ``"browser"``: the web build; flet-secure-storage keeps a WebCrypto-wrapped key in the same
  browser profile, which hides the data from a casual look at localStorage but not from
  someone who controls the browser profile;
* ``"none"``: no secure storage answered; the key is stored beside the data, so the data is
  only obfuscated.  The app must say so.

A read that fails (no key, wrong key, damaged bytes, unknown format) raises ``VaultError`` and
never writes anything; ``save`` refuses to replace a document it cannot read with another key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

FORMAT = "machi-vault"
FORMAT_VERSION = 1
KEY_NAME = "machi.vault.key.v1"
PREFIX = "machi.vault."
PROTECTIONS = ("secure_storage", "browser", "none")
Migration = Callable[[dict], dict]


class VaultError(Exception):
    """A document could not be read or written; stored data was left as it was."""


class BlobStore(Protocol):
    async def read(self, name: str) -> str | None: ...

    async def write(self, name: str, text: str) -> None: ...


class KeyStore(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...


class FileBlobStore:
    """One file per document in ``directory``; writes are temp file + fsync + rename."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.vault"

    async def read(self, name: str) -> str | None:
        path = self._path(name)
        try:
            return path.read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (UnicodeDecodeError, ValueError) as exc:
            raise VaultError(f"{path.name}: not a vault file ({exc})") from exc

    async def write(self, name: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "w", encoding="ascii") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            if path.exists():  # keep the previous generation
                os.replace(path, path.with_name(path.name + ".prev"))
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        try:  # make the rename durable where the platform allows it
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    async def read_previous(self, name: str) -> str | None:
        try:
            return self._path(name).with_name(self._path(name).name + ".prev").read_text(encoding="ascii")
        except (FileNotFoundError, UnicodeDecodeError, ValueError):
            return None


class KeyValueBlobStore:
    """Documents under SharedPreferences keys (localStorage on the web): one key set per save."""

    def __init__(self, store):
        self.store = store

    async def read(self, name: str) -> str | None:
        return await self.store.get(PREFIX + name)

    async def write(self, name: str, text: str) -> None:
        old = await self.store.get(PREFIX + name)
        if old is not None:
            await self.store.set(PREFIX + name + ".prev", old)
        await self.store.set(PREFIX + name, text)

    async def read_previous(self, name: str) -> str | None:
        return await self.store.get(PREFIX + name + ".prev")


class _AuthenticationFailed(Exception):
    pass


class _CryptographyAead:
    """AES-256-GCM from ``cryptography`` (desktop, phones, the server-session web app)."""

    def __init__(self, key: bytes):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aes = AESGCM(key)

    async def encrypt(self, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
        return self._aes.encrypt(nonce, plain, aad)

    async def decrypt(self, nonce: bytes, ct: bytes, aad: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        try:
            return self._aes.decrypt(nonce, ct, aad)
        except InvalidTag as exc:
            raise _AuthenticationFailed from exc


class _WebCryptoAead:
    """AES-256-GCM from the browser's WebCrypto (Python in the browser: Pyodide)."""

    def __init__(self, key: bytes):
        self._raw = key
        self._key = None

    async def _crypto_key(self):
        if self._key is None:
            import js
            from pyodide.ffi import to_js

            self._key = await js.crypto.subtle.importKey(
                "raw", to_js(self._raw), "AES-GCM", False, to_js(["encrypt", "decrypt"])
            )
        return self._key

    def _params(self, nonce: bytes, aad: bytes):
        import js
        from pyodide.ffi import to_js

        return to_js(
            {"name": "AES-GCM", "iv": to_js(nonce), "additionalData": to_js(aad), "tagLength": 128},
            dict_converter=js.Object.fromEntries,
        )

    async def encrypt(self, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
        import js
        from pyodide.ffi import to_js

        out = await js.crypto.subtle.encrypt(self._params(nonce, aad), await self._crypto_key(), to_js(plain))
        return bytes(js.Uint8Array.new(out).to_py())

    async def decrypt(self, nonce: bytes, ct: bytes, aad: bytes) -> bytes:
        import js
        from pyodide.ffi import JsException, to_js

        try:
            out = await js.crypto.subtle.decrypt(
                self._params(nonce, aad), await self._crypto_key(), to_js(ct)
            )
        except JsException as exc:  # OperationError: the tag does not match
            raise _AuthenticationFailed from exc
        return bytes(js.Uint8Array.new(out).to_py())


def aead(key: bytes):
    """The AES-256-GCM implementation of this platform (WebCrypto in the browser)."""
    return _WebCryptoAead(key) if sys.platform == "emscripten" else _CryptographyAead(key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"machi-vault-kid" + key).hexdigest()[:16]


class Vault:
    """Encrypted JSON documents by name.  Build it with ``await Vault.open(...)``."""

    def __init__(
        self,
        blobs: BlobStore,
        key: bytes,
        protection: str,
        migrations: dict[str, tuple[int, dict[int, Migration]]] | None = None,
    ):
        if len(key) != 32:
            raise ValueError("the vault key must be 32 bytes")
        if protection not in PROTECTIONS:
            raise ValueError(f"unknown protection {protection!r}")
        self.blobs = blobs
        self._aes = aead(key)
        self.key_id = _key_id(key)
        self.protection = protection
        self.migrations = dict(migrations or {})
        self.recovered: list[str] = []  # documents read from the previous generation

    @classmethod
    async def open(
        cls,
        blobs: BlobStore,
        keys: KeyStore | None,
        *,
        web: bool = False,
        fallback: KeyStore | None = None,
        migrations: dict[str, tuple[int, dict[int, Migration]]] | None = None,
    ) -> Vault:
        """Fetch (or create once) the key in ``keys``; with no working secure storage, use
        ``fallback`` (stored beside the data) and report ``protection == "none"``."""
        if keys is not None:
            try:
                key = await _get_or_create(keys)
                return cls(blobs, key, "browser" if web else "secure_storage", migrations)
            except VaultError:
                raise
            except Exception:  # noqa: BLE001 - no key store on this platform: fall back, and say so
                pass
        if fallback is None:
            raise VaultError("no secure storage and no fallback key store")
        return cls(blobs, await _get_or_create(fallback), "none", migrations)

    # ------------------------------------------------------------------ encryption
    def _aad(self, name: str) -> bytes:
        return f"{FORMAT}:{FORMAT_VERSION}:{name}".encode()

    async def encrypt(self, name: str, payload: dict) -> str:
        plain = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        nonce = secrets.token_bytes(12)
        ct = await self._aes.encrypt(nonce, plain, self._aad(name))
        return json.dumps(
            {
                "format": FORMAT,
                "v": FORMAT_VERSION,
                "alg": "AES-256-GCM",
                "kid": self.key_id,
                "nonce": _b64(nonce),
                "ct": _b64(ct),
            },
            sort_keys=True,
        )

    async def decrypt(self, name: str, text: str) -> dict:
        try:
            env = json.loads(text)
        except ValueError as exc:
            raise VaultError(f"{name}: stored data is damaged (not a vault envelope)") from exc
        if not isinstance(env, dict) or env.get("format") != FORMAT:
            raise VaultError(f"{name}: stored data is not a vault document")
        if env.get("v") != FORMAT_VERSION:
            raise VaultError(f"{name}: vault format {env.get('v')!r} is newer than this app understands")
        if env.get("kid") != self.key_id:
            raise VaultError(f"{name}: encrypted with another key (not available on this device)")
        try:
            plain = await self._aes.decrypt(
                base64.b64decode(env["nonce"], validate=True),
                base64.b64decode(env["ct"], validate=True),
                self._aad(name),
            )
            payload = json.loads(plain)
        except (_AuthenticationFailed, KeyError, ValueError, TypeError) as exc:
            raise VaultError(f"{name}: stored data is damaged (authentication failed)") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise VaultError(f"{name}: stored data has no document")
        return payload

    # ------------------------------------------------------------------ documents
    def _migrate(self, name: str, payload: dict) -> dict:
        schema = payload.get("schema", 1)
        current, steps = self.migrations.get(name, (1, {}))
        if not isinstance(schema, int) or schema < 1:
            raise VaultError(f"{name}: bad schema version {schema!r}")
        if schema > current:
            raise VaultError(f"{name}: schema {schema} is newer than this app ({current}); update the app")
        data = payload["data"]
        while schema < current:
            if schema not in steps:
                raise VaultError(f"{name}: no migration from schema {schema}")
            data = steps[schema](data)
            schema += 1
        return data

    async def load(self, name: str) -> dict | None:
        """The document, migrated to the current schema; None if there is none yet.

        A damaged document falls back to the previous generation (named in ``recovered``);
        if that fails too, ``VaultError`` is raised and nothing is written."""
        text = await self.blobs.read(name)
        if text is None:
            return None
        try:
            payload = await self.decrypt(name, text)
        except VaultError as first:
            reader = getattr(self.blobs, "read_previous", None)
            prev = await reader(name) if reader else None
            if prev is None:
                raise
            try:
                payload = await self.decrypt(name, prev)
            except VaultError:
                raise first from None
            self.recovered.append(name)
        return self._migrate(name, payload)  # a newer schema is an error, never an older copy

    async def save(self, name: str, data: dict) -> None:
        """Encrypt and store ``data`` atomically (the old document stays if this fails)."""
        if not isinstance(data, dict):
            raise TypeError("a vault document is a dict")
        current, _ = self.migrations.get(name, (1, {}))
        text = await self.encrypt(name, {"schema": current, "data": data})
        old = await self.blobs.read(name)
        if old is not None and name not in self.recovered:
            try:
                env = json.loads(old)
                other_key = isinstance(env, dict) and env.get("kid") not in (None, self.key_id)
            except ValueError:
                other_key = False
            if other_key:
                raise VaultError(f"{name}: the stored document belongs to another key; not overwritten")
        await self.decrypt(name, text)  # never store what cannot be read back
        await self.blobs.write(name, text)
        if name in self.recovered:
            self.recovered.remove(name)


async def _get_or_create(keys: KeyStore) -> bytes:
    stored = await keys.get(KEY_NAME)
    if stored:
        try:
            key = base64.b64decode(stored, validate=True)
        except ValueError as exc:
            raise VaultError("the stored vault key is damaged") from exc
        if len(key) != 32:
            raise VaultError("the stored vault key is damaged")
        return key
    key = secrets.token_bytes(32)  # what AESGCM.generate_key(bit_length=256) does
    await keys.set(KEY_NAME, _b64(key))
    if await keys.get(KEY_NAME) != _b64(key):  # a store that drops writes must not lose data later
        raise RuntimeError("the key store did not keep the key")
    return key
