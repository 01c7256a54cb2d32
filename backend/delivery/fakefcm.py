"""A fake FCM v1 server on 127.0.0.1: the real firebase-admin SDK is pointed at it.

It validates requests as FCM does (project path, Bearer auth, X-GOOG-API-FORMAT-VERSION: 2,
exactly one of token/fid/topic/condition, string-only data without reserved keys, the ttl
format, header types, topic names, at most 5 topics in a condition, the 4,096-byte payload
limit) and answers like FCM, including scripted errors:

=====================  ====================================================================
``unregistered``       404 NOT_FOUND, FcmError UNREGISTERED
``sender_id_mismatch`` 403 PERMISSION_DENIED, FcmError SENDER_ID_MISMATCH
``invalid_token``      400 INVALID_ARGUMENT, fieldViolations message.token
``invalid_argument``   400 INVALID_ARGUMENT on the payload
``quota``              429 RESOURCE_EXHAUSTED, FcmError QUOTA_EXCEEDED, Retry-After
``unavailable``        503 UNAVAILABLE (``internal``: 500 INTERNAL)
``third_party_auth``   401 UNAUTHENTICATED, FcmError THIRD_PARTY_AUTH_ERROR
``html_502``           502 with an HTML body (a proxy error page)
=====================  ====================================================================

Script per target with ``FakeFCM.script(target, [...])`` in-process, or over HTTP:
``POST /_fake/script {"target", "responses", "sticky"}``; ``GET /_fake/messages``,
``POST /_fake/reset``, ``POST /_fake/delay {"seconds"}``, ``POST /_fake/hold {"on"}``
(``hold()``: every send answer waits, its request already recorded, until ``release()``;
``held`` counts the waiting ones).  Tokens starting with
``fail-unregistered-``, ``fail-sender-``, ``fail-invalid-``, ``fail-quota-``,
``fail-unavailable-``, ``fail-auth-`` or ``fail-html-`` always get that error.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import re
import threading
import time

DEFAULT_PROJECT = "machi-dev"
MAX_PAYLOAD = 4096
MAX_TOPIC_PAYLOAD = 2048
TOPIC = re.compile(r"^[a-zA-Z0-9\-_.~%]{1,900}$")
TTL = re.compile(r"^\d+(\.\d{1,9})?s$")
RESERVED_DATA = {"from", "notification", "message_type"}
MESSAGE_KEYS = {
    "name",
    "data",
    "notification",
    "android",
    "webpush",
    "apns",
    "fcm_options",
    "token",
    "fid",
    "topic",
    "condition",
}
TARGETS = ("token", "fid", "topic", "condition")
SEND_PATH = re.compile(r"/v1/projects/([^/]+)/messages:send")
TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")
PREFIXES = {
    "fail-unregistered-": "unregistered",
    "fail-sender-": "sender_id_mismatch",
    "fail-invalid-": "invalid_token",
    "fail-quota-": "quota",
    "fail-unavailable-": "unavailable",
    "fail-auth-": "third_party_auth",
    "fail-html-": "html_502",
}
SCRIPTED = {
    "ok",
    "unregistered",
    "sender_id_mismatch",
    "invalid_token",
    "invalid_argument",
    "quota",
    "unavailable",
    "internal",
    "third_party_auth",
    "html_502",
}

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"


def _error(
    status: int,
    status_name: str,
    message: str,
    fcm_code: str | None = None,
    violations: list[tuple[str, str]] | None = None,
) -> dict:
    details = []
    if fcm_code:
        details.append({"@type": FCM_ERROR, "errorCode": fcm_code})
    if violations:
        details.append(
            {"@type": BAD_REQUEST, "fieldViolations": [{"field": f, "description": d} for f, d in violations]}
        )
    return {"error": {"code": status, "message": message, "status": status_name, "details": details}}


class Invalid(Exception):
    def __init__(self, field: str, description: str, status: int = 400):
        super().__init__(description)
        self.field, self.description, self.status = field, description, status


def _strings(obj, field: str) -> None:
    if not isinstance(obj, dict):
        raise Invalid(field, f"{field} must be an object")
    for k, v in obj.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise Invalid(f"{field}.{k}", f"Invalid value at '{field}' ({k}): values must be strings")


def validate_message(body: dict) -> tuple[dict, str, bool]:
    """(message, target, validate_only) or Invalid."""
    if not isinstance(body, dict):
        raise Invalid("", "Invalid JSON payload received.")
    extra = set(body) - {"message", "validate_only"}
    if extra:
        raise Invalid(sorted(extra)[0], f'Invalid JSON payload received. Unknown name "{sorted(extra)[0]}"')
    msg = body.get("message")
    if not isinstance(msg, dict):
        raise Invalid("message", "Request contains an invalid argument: message is required")
    extra = set(msg) - MESSAGE_KEYS
    if extra:
        name = sorted(extra)[0]
        raise Invalid(
            f"message.{name}", f"Invalid JSON payload received. Unknown name \"{name}\" at 'message'"
        )
    targets = [t for t in TARGETS if msg.get(t) not in (None, "")]
    if len(targets) != 1:
        raise Invalid(
            "message", f"exactly one of token, fid, topic or condition is required (got {targets or 'none'})"
        )
    kind = targets[0]
    target = msg[kind]
    if not isinstance(target, str):
        raise Invalid(f"message.{kind}", f"{kind} must be a string")
    if kind in ("token", "fid") and (len(target) > 4096 or not TOKEN_CHARS.fullmatch(target)):
        raise Invalid(f"message.{kind}", "The registration token is not a valid FCM registration token")
    if kind == "topic":
        name = target.removeprefix("/topics/")
        if not TOPIC.match(name):
            raise Invalid("message.topic", "Invalid topic name")
    if kind == "condition":
        topics = re.findall(r"'([^']*)'\s+in\s+topics", target)
        if not topics or len(topics) > 5 or not all(TOPIC.match(t) for t in topics):
            raise Invalid("message.condition", "Invalid condition: 1 to 5 valid topics are allowed")
    if "data" in msg:
        _strings(msg["data"], "message.data")
        for k in msg["data"]:
            if k in RESERVED_DATA or k.startswith(("google", "gcm")):
                raise Invalid(f"message.data.{k}", f"Invalid data key: {k} is reserved")
    if "notification" in msg:
        _strings(msg["notification"], "message.notification")
    android = msg.get("android")
    if android is not None:
        if not isinstance(android, dict):
            raise Invalid("message.android", "android must be an object")
        if "priority" in android and android["priority"] not in ("normal", "high", "NORMAL", "HIGH"):
            raise Invalid(
                "message.android.priority",
                f"Invalid value at 'message.android.priority' ({android['priority']!r})",
            )
        if "ttl" in android:
            ttl = android["ttl"]
            if not isinstance(ttl, str) or not TTL.match(ttl) or float(ttl[:-1]) > 2419200:
                raise Invalid(
                    "message.android.ttl",
                    f"Invalid value at 'message.android.ttl' ({ttl!r}); "
                    f"expected a duration like '3600s' up to 28 days",
                )
        if "collapse_key" in android and not isinstance(android["collapse_key"], str):
            raise Invalid("message.android.collapse_key", "collapse_key must be a string")
        if "data" in android:
            _strings(android["data"], "message.android.data")
    apns = msg.get("apns")
    if apns is not None:
        if "headers" in apns:
            _strings(apns["headers"], "message.apns.headers")
            cid = apns["headers"].get("apns-collapse-id")
            if cid is not None and len(cid.encode()) > 64:
                raise Invalid("message.apns.headers", "apns-collapse-id is longer than 64 bytes")
            if apns["headers"].get("apns-priority") not in (None, "5", "10", "1"):
                raise Invalid("message.apns.headers", "apns-priority must be 10, 5 or 1")
        if "payload" in apns and not isinstance(apns["payload"].get("aps", {}), dict):
            raise Invalid("message.apns.payload", "aps must be an object")
    webpush = msg.get("webpush")
    if webpush is not None and "headers" in webpush:
        _strings(webpush["headers"], "message.webpush.headers")
    payload = {k: v for k, v in msg.items() if k not in TARGETS}
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    limit = MAX_TOPIC_PAYLOAD if kind in ("topic", "condition") else MAX_PAYLOAD
    if size > limit:
        raise Invalid("message", f"Message is too big: {size} bytes (limit {limit})")
    validate_only = body.get("validate_only", False)
    if not isinstance(validate_only, bool):
        raise Invalid("validate_only", "validate_only must be a boolean")
    return msg, target, validate_only


class FakeServer:
    """An ASGI app answering through ``handle(method, path, headers, body)`` -> (status, JSON or
    text payload, extra headers); ``start()`` serves it with uvicorn on 127.0.0.1 in a thread."""

    name = "fake"
    url = ""
    _server = None
    _thread: threading.Thread | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, payload, headers = await self.handle(
            scope["method"],
            scope["path"],
            {k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body,
        )
        if isinstance(payload, (bytes, str)):
            data = payload.encode() if isinstance(payload, str) else payload
            ctype = "text/html; charset=UTF-8"
        else:
            data = json.dumps(payload).encode()
            ctype = "application/json; charset=UTF-8"
        hdrs = [(b"content-type", ctype.encode()), (b"content-length", str(len(data)).encode())]
        hdrs += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": hdrs})
        await send({"type": "http.response.body", "body": data})

    async def handle(self, method: str, path: str, headers: dict, body: bytes):
        raise NotImplementedError

    def start(self, host: str = "127.0.0.1", port: int = 0):
        self._server, self._thread, self.url = serve_in_thread(self, host, port, self.name)
        return self

    def stop(self) -> None:
        stop_server(self._server, self._thread)
        self._server = None


class FakeFCM(FakeServer):
    """The fake FCM server and its state."""

    name = "fake-fcm"

    def __init__(
        self,
        project: str = DEFAULT_PROJECT,
        expected_token: str | None = None,
        delay: float = 0.0,
        retry_after: int = 120,
    ):
        self.project, self.expected_token, self.delay, self.retry_after = (
            project,
            expected_token,
            delay,
            retry_after,
        )
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()
        self._holding = False
        self._gate: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.held = 0  # answers waiting for release()

    # ---------------------------------------------------------------- state

    def reset(self) -> None:
        with self.lock:
            self.delivered: list[dict] = []  # accepted, not validate_only
            self.requests: list[dict] = []  # every send request: target, reply, time
            self.rejected: list[dict] = []
            self.scripts: dict[str, collections.deque] = {}
            self.sticky: dict[str, str] = {}

    def script(self, target: str, responses: list[str], sticky: bool = False) -> None:
        bad = [r for r in responses if r not in SCRIPTED]
        if bad:
            raise ValueError(f"unknown scripted response {bad[0]!r}; known: {', '.join(sorted(SCRIPTED))}")
        with self.lock:
            if sticky:
                self.sticky[target] = responses[-1]
                responses = responses[:-1]
            self.scripts[target] = collections.deque(responses)

    def _next_reply(self, target: str) -> str:
        with self.lock:
            q = self.scripts.get(target)
            if q:
                return q.popleft()
            if target in self.sticky:
                return self.sticky[target]
        for prefix, reply in PREFIXES.items():
            if target.startswith(prefix):
                return reply
        return "ok"

    def hold(self) -> None:
        """From now on every send answer waits until ``release()`` (the request is recorded first)."""
        with self.lock:
            self._holding = True

    def release(self) -> None:
        """Let every held answer (and later ones) go."""
        with self.lock:
            self._holding = False
            gate, loop, self._gate = self._gate, self._loop, None
        if gate is not None and loop is not None:
            loop.call_soon_threadsafe(gate.set)

    async def _wait_if_held(self) -> None:
        with self.lock:
            if not self._holding:
                return
            if self._gate is None:
                self._gate, self._loop = asyncio.Event(), asyncio.get_running_loop()
            gate = self._gate
            self.held += 1
        try:
            await gate.wait()
        finally:
            with self.lock:
                self.held -= 1

    def requests_for(self, target: str) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["target"] == target]

    def delivered_keys(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(
                m["message"].get("data", {}).get("occurrence_key") for m in self.delivered
            )

    async def handle(self, method: str, path: str, headers: dict, body: bytes):
        status, payload, hdrs, delay = self.respond(method, path, headers, body)
        if not path.startswith("/_fake/"):
            await self._wait_if_held()
        if delay:  # a slow answer keeps the sender's batch in flight
            await asyncio.sleep(delay)
        return status, payload, hdrs

    def respond(self, method: str, path: str, headers: dict, body: bytes):
        """(status, payload, extra headers, seconds to wait before answering); no I/O, no awaiting."""
        if path.startswith("/_fake/"):
            return (*self._control(method, path, body), 0.0)
        m = SEND_PATH.fullmatch(path)
        if not m or method != "POST":
            return 404, _error(404, "NOT_FOUND", f"no such method {method} {path}"), None, 0.0
        auth = headers.get("authorization", "")
        if (
            not auth.startswith("Bearer ")
            or not auth[7:].strip()
            or (self.expected_token and auth[7:] != self.expected_token)
        ):
            return (
                *self._reject(
                    401,
                    _error(
                        401,
                        "UNAUTHENTICATED",
                        "Request is missing required authentication "
                        "credential. Expected OAuth 2 access token",
                    ),
                ),
                0.0,
            )
        if m.group(1) != self.project:
            return (
                *self._reject(
                    403,
                    _error(
                        403,
                        "PERMISSION_DENIED",
                        f"Permission 'cloudmessaging.messages.create' denied on project {m.group(1)!r}",
                    ),
                ),
                0.0,
            )
        if headers.get("x-goog-api-format-version") != "2":
            return (
                *self._reject(
                    400, _error(400, "INVALID_ARGUMENT", "X-GOOG-API-FORMAT-VERSION: 2 is required")
                ),
                0.0,
            )
        try:
            parsed = json.loads(body or b"null")
            msg, target, validate_only = validate_message(parsed)
        except json.JSONDecodeError as exc:
            return (
                *self._reject(400, _error(400, "INVALID_ARGUMENT", f"Invalid JSON payload received. {exc}")),
                0.0,
            )
        except Invalid as exc:
            return (
                *self._reject(
                    400,
                    _error(
                        400,
                        "INVALID_ARGUMENT",
                        exc.description,
                        "INVALID_ARGUMENT",
                        [(exc.field, exc.description)],
                    ),
                ),
                0.0,
            )
        reply = self._next_reply(target)
        now = time.time()
        with self.lock:
            self.requests.append({"target": target, "reply": reply, "at": now, "message": msg})
            if reply == "ok":
                mid = f"projects/{self.project}/messages/{next(self._ids)}"
                if not validate_only:  # accepted by FCM even if the sender never reads the answer
                    self.delivered.append({"target": target, "message": msg, "name": mid, "at": now})
        if reply == "ok":
            return 200, {"name": mid}, None, self.delay
        return (*self._scripted(reply), self.delay)

    def _reject(self, status: int, payload: dict):
        with self.lock:
            self.rejected.append({"status": status, "error": payload["error"]})
        return status, payload, None

    def _scripted(self, reply: str):
        if reply == "unregistered":
            return 404, _error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"), None
        if reply == "sender_id_mismatch":
            return 403, _error(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"), None
        if reply == "invalid_token":
            return (
                400,
                _error(
                    400,
                    "INVALID_ARGUMENT",
                    "The registration token is not a valid FCM registration token",
                    "INVALID_ARGUMENT",
                    [("message.token", "Invalid registration token")],
                ),
                None,
            )
        if reply == "invalid_argument":
            return (
                400,
                _error(
                    400,
                    "INVALID_ARGUMENT",
                    "Invalid value at 'message.data'",
                    "INVALID_ARGUMENT",
                    [("message.data", "Invalid value")],
                ),
                None,
            )
        if reply == "quota":
            return (
                429,
                _error(
                    429,
                    "RESOURCE_EXHAUSTED",
                    "Quota exceeded for quota metric 'Send requests'",
                    "QUOTA_EXCEEDED",
                ),
                {"Retry-After": str(self.retry_after)},
            )
        if reply == "unavailable":
            return (
                503,
                _error(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE"),
                None,
            )
        if reply == "internal":
            return 500, _error(500, "INTERNAL", "Internal error encountered.", "INTERNAL"), None
        if reply == "third_party_auth":
            return (
                401,
                _error(
                    401,
                    "UNAUTHENTICATED",
                    "Auth error from APNS or Web Push Service",
                    "THIRD_PARTY_AUTH_ERROR",
                ),
                None,
            )
        if reply == "html_502":
            return (
                502,
                (
                    "<!DOCTYPE html><html><head><title>Error 502 (Server Error)!!1</title></head>"
                    "<body><p><b>502.</b> <ins>That’s an error.</ins></p></body></html>"
                ),
                None,
            )
        raise AssertionError(reply)

    def _control(self, method: str, path: str, body: bytes):
        try:
            data = json.loads(body or b"{}")
        except json.JSONDecodeError:
            return 400, {"error": "bad json"}, None
        if path == "/_fake/messages" and method == "GET":
            with self.lock:
                return (
                    200,
                    {"messages": self.delivered, "requests": len(self.requests), "rejected": self.rejected},
                    None,
                )
        if path == "/_fake/reset" and method == "POST":
            self.reset()
            return 200, {"ok": True}, None
        if path == "/_fake/script" and method == "POST":
            try:
                self.script(str(data["target"]), list(data["responses"]), bool(data.get("sticky")))
            except (KeyError, TypeError, ValueError) as exc:
                return 400, {"error": str(exc)}, None
            return 200, {"ok": True}, None
        if path == "/_fake/hold" and method == "POST":
            if data.get("on", True):
                self.hold()
            else:
                self.release()
            return 200, {"ok": True, "held": self.held}, None
        if path == "/_fake/delay" and method == "POST":
            self.delay = float(data.get("seconds", 0))
            return 200, {"ok": True}, None
        return 404, {"error": "unknown control path"}, None

    # ---------------------------------------------------------------- serving

    def stop(self) -> None:
        self.release()
        super().stop()


def serve_in_thread(app, host: str, port: int, name: str):
    """(server, thread, base URL): ``app`` served by uvicorn on ``host`` in a daemon thread."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=30,
        backlog=2048,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the {name} server did not start")
        time.sleep(0.01)
    sock = server.servers[0].sockets[0]
    return server, thread, f"http://{host}:{sock.getsockname()[1]}"


def stop_server(server, thread) -> None:
    if server is not None:
        server.should_exit = True
        if thread:
            thread.join(timeout=10)


def serve_forever(host: str, port: int, project: str, delay: float = 0.0) -> None:
    import uvicorn

    uvicorn.run(
        FakeFCM(project=project, delay=delay),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=2048,
    )
