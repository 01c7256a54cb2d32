"""In-process sliding-window rate limits (per client IP for registration, per device).

One ``machi serve`` process is the unit of deployment; behind several processes each
enforces its own window, which is still a bound.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from backend.errors import ApiError


class RateLimiter:
    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 100_000):
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, what: str) -> None:
        now = time.monotonic()
        with self._lock:
            q = self._hits.get(key)
            if q is None:
                if len(self._hits) >= self.max_keys:
                    self._evict(now)
                q = self._hits[key] = deque()
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                retry = max(1, int(q[0] + self.window - now) + 1)
                raise ApiError(429, "rate_limited", f"too many {what}; retry in {retry} s",
                               headers={"Retry-After": str(retry)})
            q.append(now)

    def _evict(self, now: float) -> None:
        for k in [k for k, q in self._hits.items() if not q or q[-1] <= now - self.window]:
            del self._hits[k]
        if len(self._hits) >= self.max_keys:
            self._hits.clear()
