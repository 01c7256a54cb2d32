"""A fake Web Push service on 127.0.0.1 that also plays the browser: a real cryptographic round trip.

``subscribe()`` does what a browser and its push service do for ``pushManager.subscribe``: it
makes the subscription's P-256 key pair and 16-byte auth secret and an endpoint on this server,
remembering the ``applicationServerKey`` it was made for.  Each POST to an endpoint is then
checked as a push service and a browser would:

* RFC 8030: ``TTL`` present (400 without), ``Urgency`` one of very-low/low/normal/high, ``Topic``
  at most 32 URL-safe base64 characters, a body of at most 4,096 bytes (413);
* RFC 8292: ``Authorization: vapid t=<JWT>, k=<key>``, ``k`` the key the subscription was made
  for (403 otherwise), the JWT's ES256 signature verified with ``k``, its header
  ``{"typ": "JWT", "alg": "ES256"}``, ``aud`` = the endpoint's origin, ``exp`` in the future and
  at most 24 h ahead, ``sub`` a ``mailto:`` or ``https:`` contact (401 otherwise);
* RFC 8291: ``Content-Encoding: aes128gcm``, the body DECRYPTED with the subscription's private
  key and auth secret (own implementation on ``cryptography``'s ECDH, HKDF and AES-GCM, checked
  against the RFC's Appendix A example in the tests), the padding delimiter checked (400 when
  anything fails).

Accepted messages are kept decrypted (``messages``); like a push service, an undelivered message
with the same ``Topic`` replaces the earlier one (``queue(subscription)``).  Scripted answers
per subscription (``script(sub_id, [...], sticky=False)``): ``ok`` (201), ``gone`` (410),
``not_found`` (404), ``forbidden`` (403), ``too_large`` (413), ``quota`` (429 + Retry-After),
``unavailable`` (503 + Retry-After), ``internal`` (500).  Over HTTP: ``POST /_fake/subscribe
{"application_server_key"}``, ``GET /_fake/messages``, ``POST /_fake/script {"subscription",
"responses", "sticky"}``, ``POST /_fake/reset``.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import re
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.delivery.fakefcm import FakeServer

MAX_BODY = 4096
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
URGENCIES = {"very-low", "low", "normal", "high"}
PUSH_PATH = re.compile(r"/push/([A-Za-z0-9_-]{8,64})")
SCRIPTED = {
    "ok": 201,
    "gone": 410,
    "not_found": 404,
    "forbidden": 403,
    "too_large": 413,
    "quota": 429,
    "unavailable": 503,
    "internal": 500,
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Rejected(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


# ---------------------------------------------------------------------------- RFC 8291


def _hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    """HKDF-Expand (RFC 5869) for at most one SHA-256 block, as RFC 8291 uses it."""
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()[:length]


def decrypt(body: bytes, ua_private: ec.EllipticCurvePrivateKey, auth_secret: bytes) -> bytes:
    """The plaintext of an aes128gcm Web Push message (RFC 8188 framing, RFC 8291 keys)."""
    if len(body) < 21:
        raise ValueError("shorter than the aes128gcm header")
    salt, rs, idlen = body[:16], struct.unpack("!I", body[16:20])[0], body[20]
    as_public = body[21 : 21 + idlen]
    if idlen != 65 or len(as_public) != 65:
        raise ValueError("keyid is not the sender's 65-byte P-256 public key")
    if rs < 18:
        raise ValueError("record size too small")
    ua_public = ua_private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    shared = ua_private.exchange(
        ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), as_public)
    )
    prk_key = hmac.new(auth_secret, shared, hashlib.sha256).digest()
    ikm = _hkdf_expand(prk_key, b"WebPush: info\x00" + ua_public + as_public, 32)
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    cek = _hkdf_expand(prk, b"Content-Encoding: aes128gcm\x00", 16)
    nonce = _hkdf_expand(prk, b"Content-Encoding: nonce\x00", 12)
    records = body[21 + idlen :]
    out = b""
    for seq, start in enumerate(range(0, len(records), rs)):
        record = records[start : start + rs]
        iv = (int.from_bytes(nonce, "big") ^ seq).to_bytes(12, "big")
        try:
            plain = AESGCM(cek).decrypt(iv, record, None)
        except InvalidTag:
            raise ValueError("decryption failed (wrong keys or a corrupted record)") from None
        last = start + rs >= len(records)
        stripped = plain.rstrip(b"\x00")
        if not stripped or stripped[-1:] != (b"\x02" if last else b"\x01"):
            raise ValueError("bad padding delimiter")
        out += stripped[:-1]
    return out


# ---------------------------------------------------------------------------- RFC 8292


def verify_vapid(authorization: str, endpoint: str, expected_key: str | None, now: float) -> dict:
    """The JWT claims of a valid ``vapid t=…, k=…`` header for ``endpoint``, else Rejected."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected(401, "Authorization is not the vapid scheme (RFC 8292)")
    parts = {}
    for item in params.split(","):
        k, _, v = item.strip().partition("=")
        parts[k] = v
    token, key = parts.get("t", ""), parts.get("k", "")
    if not token or not key:
        raise Rejected(401, "vapid needs t= and k=")
    if expected_key is not None and key != expected_key:
        raise Rejected(403, "the key does not match the subscription's applicationServerKey")
    try:
        head64, claims64, sig64 = token.split(".")
        header, claims = json.loads(unb64url(head64)), json.loads(unb64url(claims64))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        sig = unb64url(sig64)
    except (ValueError, TypeError) as exc:
        raise Rejected(401, f"malformed VAPID token: {exc}") from None
    if header.get("alg") != "ES256" or header.get("typ", "JWT") != "JWT":
        raise Rejected(401, f"JWT header {header!r} is not ES256")
    if len(sig) != 64:
        raise Rejected(401, "ES256 signature must be 64 bytes (r || s)")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public.verify(der, f"{head64}.{claims64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Rejected(401, "VAPID signature does not verify") from None
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(endpoint))
    if claims.get("aud") != origin:
        raise Rejected(401, f"aud {claims.get('aud')!r} is not {origin!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now or exp > now + 24 * 3600:
        raise Rejected(401, f"exp {exp!r} is not within the next 24 hours")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise Rejected(401, f"sub {sub!r} is not a mailto: or https: contact")
    return claims


# ---------------------------------------------------------------------------- the service


@dataclass
class Subscription:
    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    application_server_key: str | None
    queue: collections.OrderedDict = field(default_factory=collections.OrderedDict)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def to_json(self) -> dict:
        """As the browser's ``PushSubscription.toJSON()``."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


class FakePushService(FakeServer):
    name = "fake-push"

    def __init__(self, retry_after: int = 120):
        self.retry_after = retry_after
        self.lock = threading.Lock()
        self.subscriptions: dict[str, Subscription] = {}
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.messages: list[dict] = []  # accepted and decrypted
            self.requests: list[dict] = []  # every push request: subscription, status, reason
            self.scripts: dict[str, collections.deque] = {}
            self.sticky: dict[str, str] = {}

    def subscribe(self, application_server_key: str | None) -> Subscription:
        """A new subscription on this service for that VAPID key (None: any key is accepted)."""
        sub_id = secrets.token_urlsafe(12)
        sub = Subscription(
            sub_id,
            f"{self.url}/push/{sub_id}",
            ec.generate_private_key(ec.SECP256R1()),
            secrets.token_bytes(16),
            application_server_key,
        )
        with self.lock:
            self.subscriptions[sub_id] = sub
        return sub

    def script(self, sub_id: str, responses: list[str], sticky: bool = False) -> None:
        bad = [r for r in responses if r not in SCRIPTED]
        if bad:
            raise ValueError(f"unknown scripted response {bad[0]!r}; known: {', '.join(sorted(SCRIPTED))}")
        with self.lock:
            if sticky:
                self.sticky[sub_id] = responses[-1]
                responses = responses[:-1]
            self.scripts[sub_id] = collections.deque(responses)

    def messages_for(self, sub: Subscription) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["subscription"] == sub.id]

    def requests_for(self, sub: Subscription) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["subscription"] == sub.id]

    def queue(self, sub: Subscription) -> list[dict]:
        """What the push service holds for the browser: a message with a Topic replaces the
        undelivered one with the same Topic (RFC 8030 5.4)."""
        with self.lock:
            return list(sub.queue.values())

    def _next_reply(self, sub_id: str) -> str:
        with self.lock:
            q = self.scripts.get(sub_id)
            if q:
                return q.popleft()
            return self.sticky.get(sub_id, "ok")

    # ------------------------------------------------------------------ HTTP

    async def handle(self, method: str, path: str, headers: dict, body: bytes):
        if path.startswith("/_fake/"):
            return self._control(method, path, body)
        m = PUSH_PATH.fullmatch(path)
        sub = self.subscriptions.get(m.group(1)) if m else None
        if sub is None or method != "POST":
            return 404, {"error": "no such subscription"}, None
        reply, status, reason, extra = self._next_reply(sub.id), 201, "", None
        try:
            message = self._accept(sub, headers, body)
        except Rejected as exc:
            status, reason = exc.status, exc.reason
        else:
            if reply != "ok":
                status, reason = SCRIPTED[reply], f"scripted {reply}"
                if reply in ("quota", "unavailable"):
                    extra = {"Retry-After": str(self.retry_after)}
        with self.lock:
            self.requests.append(
                {"subscription": sub.id, "status": status, "reason": reason, "at": time.time()}
            )
            if status == 201:
                message["id"] = f"{sub.id}-{len(self.messages) + 1}"
                self.messages.append(message)
                sub.queue.pop(message["topic"] or message["id"], None)
                sub.queue[message["topic"] or message["id"]] = message
        if status == 201:
            return 201, {}, {"Location": f"{self.url}/message/{message['id']}"}
        return status, {"error": reason}, extra

    def _accept(self, sub: Subscription, headers: dict, body: bytes) -> dict:
        ttl = headers.get("ttl")
        if ttl is None or not ttl.isdigit():
            raise Rejected(400, "TTL header missing or not a number (RFC 8030 5.2)")
        urgency = headers.get("urgency", "normal")
        if urgency not in URGENCIES:
            raise Rejected(400, f"Urgency {urgency!r}")
        topic = headers.get("topic")
        if topic is not None and not TOPIC.match(topic):
            raise Rejected(400, "Topic must be at most 32 URL-safe base64 characters")
        if len(body) > MAX_BODY:
            raise Rejected(413, f"payload of {len(body)} bytes is over {MAX_BODY}")
        claims = verify_vapid(
            headers.get("authorization", ""), sub.endpoint, sub.application_server_key, time.time()
        )
        if headers.get("content-encoding") != "aes128gcm":
            raise Rejected(400, "Content-Encoding must be aes128gcm (RFC 8291)")
        try:
            plaintext = decrypt(body, sub.private_key, sub.auth)
        except ValueError as exc:
            raise Rejected(400, f"cannot decrypt: {exc}") from None
        try:
            payload = json.loads(plaintext)
        except ValueError:
            payload = None
        return {
            "subscription": sub.id,
            "plaintext": plaintext,
            "payload": payload,
            "body": b64url(body),
            "ttl": int(ttl),
            "urgency": urgency,
            "topic": topic,
            "claims": claims,
            "at": time.time(),
        }

    def _control(self, method: str, path: str, body: bytes):
        try:
            data = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return 400, {"error": "bad json"}, None
        if path == "/_fake/subscribe" and method == "POST":
            sub = self.subscribe(data.get("application_server_key"))
            private = sub.private_key.private_numbers().private_value.to_bytes(32, "big")
            return 200, {**sub.to_json(), "id": sub.id, "private_key": b64url(private)}, None
        if path == "/_fake/messages" and method == "GET":
            with self.lock:
                return (
                    200,
                    {
                        "messages": [{k: v for k, v in m.items() if k != "plaintext"} for m in self.messages],
                        "requests": self.requests,
                    },
                    None,
                )
        if path == "/_fake/script" and method == "POST":
            try:
                self.script(str(data["subscription"]), list(data["responses"]), bool(data.get("sticky")))
            except (KeyError, TypeError, ValueError) as exc:
                return 400, {"error": str(exc)}, None
            return 200, {"ok": True}, None
        if path == "/_fake/reset" and method == "POST":
            self.reset()
            return 200, {"ok": True}, None
        return 404, {"error": "unknown control path"}, None
