"""Routes and deep links.

    /                              Home feed
    /garbage                       garbage: today/tomorrow, month calendar, next dates
    /garbage?month=YYYY-MM         ... showing that month
    /garbage/search?q=...          item search (results while typing)
    /garbage/item?name=...         item detail (name: the city's Japanese item name)
    /pay                           tax slips: scan, type, history, reminders, tax calendar
    /pay/slip?id=...               one slip of the history (id: a random local id, never its numbers)
    /handbook /city                sections still to come
    /settings                      settings
    /notifications                 notification list
    /disaster                      disaster mode: the full-screen card (alerts of level 3+)
    /alerts                        past alerts
    /onboarding                    first-run set-up (again from Settings)

A route resolves to a stack of pages (the bottom one is a tab), so a deep link opens with
a working Back button.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

TABS = ["/", "/garbage", "/handbook", "/pay", "/city"]
PUSHED = {
    "/garbage/search": "/garbage",
    "/garbage/item": "/garbage/search",
    "/pay/slip": "/pay",
    "/settings": "/",
    "/notifications": "/",
    "/onboarding": None,
    "/disaster": "/",
    "/alerts": "/",
}


@dataclass(frozen=True)
class Route:
    path: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.path + ("?" + urlencode(self.params) if self.params else "")

    def __hash__(self) -> int:
        return hash(self.url)


def parse_route(route: str | None) -> Route:
    parts = urlsplit(route or "/")
    path = "/" + parts.path.strip("/")
    params = {k: v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    return Route(path, params)


def is_known(path: str) -> bool:
    return path in TABS or path in PUSHED


def stack(route: Route) -> list[Route]:
    """The pages under ``route``, bottom first (unknown paths land on Home)."""
    if route.path in TABS:
        return [route]
    if route.path not in PUSHED:
        return [Route("/")]
    parent = PUSHED[route.path]
    if parent is None:
        return [route]
    if route.path == "/garbage/item":
        q = route.params.get("q")
        below = stack(Route("/garbage/search", {"q": q} if q else {}))
    else:
        below = stack(Route(parent))
    return below + [route]


def tab_index(route: Route) -> int:
    return TABS.index(stack(route)[0].path) if stack(route)[0].path in TABS else 0
