"""In-process rate limits: token buckets per key (a client address, a device), and the client
address itself (``X-Forwarded-For`` honoured only from trusted proxies).

A bucket holds up to ``burst`` tokens and gains ``rate`` tokens a second; each request takes
one.  So a burst passes at once while the sustained rate stays bounded: with a burst of 300
and 600 an hour, a shared Wi-Fi can register 300 phones in a minute, and a script gets no more
than 300 + 600 registrations in its first hour.  At most ``max_keys`` buckets are kept; when
full, the least recently used one is dropped (a dropped key starts again with a full bucket).

One ``machi serve`` process is the unit of deployment; behind several processes each
enforces its own buckets, which is still a bound.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from backend.errors import ApiError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class RateLimiter:
    def __init__(
        self,
        *,
        burst: int,
        per_second: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        """Up to ``burst`` requests at once, refilled at ``per_second`` tokens a second."""
        if burst < 1 or per_second <= 0 or max_keys < 1:
            raise ValueError("a rate limit needs burst >= 1, per_second > 0 and max_keys >= 1")
        self.burst, self.rate, self.max_keys, self.clock = float(burst), per_second, max_keys, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    @classmethod
    def per_minute(cls, limit: int, **kw) -> RateLimiter:
        """``limit`` at once and ``limit`` a minute."""
        return cls(burst=limit, per_second=limit / 60.0, **kw)

    @classmethod
    def per_hour(cls, *, burst: int, per_hour: int, **kw) -> RateLimiter:
        """``burst`` at once, then ``per_hour`` an hour."""
        return cls(burst=burst, per_second=per_hour / 3600.0, **kw)

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def _retry_after(self, tokens: float) -> int:
        return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)  # the least recently used key

    def check(self, key: str, what: str) -> None:
        """Take one token for ``key``, or raise 429 naming ``what`` with a Retry-After."""
        with self._lock:
            now = self.clock()
            tokens = self._tokens(key, now)
            if tokens < 1.0:
                self._store(key, tokens, now)
                raise self._error(what, tokens)
            self._store(key, tokens - 1.0, now)

    def ensure_available(self, key: str, what: str) -> None:
        """Raise 429 when ``key`` has no token left, without taking one."""
        with self._lock:
            tokens = self._tokens(key, self.clock())
        if tokens < 1.0:
            raise self._error(what, tokens)

    def _error(self, what: str, tokens: float) -> ApiError:
        retry = self._retry_after(tokens)
        return ApiError(
            429, "rate_limited", f"too many {what}; retry in {retry} s", headers={"Retry-After": str(retry)}
        )

    def __len__(self) -> int:
        return len(self._buckets)

    def __contains__(self, key: str) -> bool:
        return key in self._buckets


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """``"127.0.0.1, ::1, 10.0.0.0/8"`` → networks; a bad entry raises ValueError naming it."""
    items = value.split(",") if isinstance(value, str) else list(value)
    out = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"{item!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)"
            ) from None
    return tuple(out)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple[Network, ...]) -> str:
    """The address a request comes from.

    ``peer`` is the TCP peer.  Only when it is a trusted proxy is ``X-Forwarded-For`` read, from
    the right: each proxy appends the address it received the request from, so the rightmost
    address that is not itself a trusted proxy is the client (anything left of it could have
    been written by the client).  A malformed entry ends the walk at the last address known good.
    """
    peer_ip = _ip(peer) if peer else None
    if peer_ip is None:
        return peer or "unknown"
    if not any(peer_ip in net for net in trusted):
        return str(peer_ip)
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    current = peer_ip
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            break
        current = ip
        if not any(ip in net for net in trusted):
            break
    return str(current)
