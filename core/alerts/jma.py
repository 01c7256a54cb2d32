"""JMA 防災情報XML weather warnings (気象警報・注意報): R06 products VPWW55-61 and the H27 VPWW53/54.

A pure reader (standard library ElementTree, namespace-aware; no network, no database), usable by
the backend and by the app.  ``parse`` turns one document into a ``Document``; ``for_area`` gives
the warnings of one municipality (7-digit JMA code, e.g. from a city's ``city.json``).

Each document is a full snapshot of the phenomena it covers: R06 has one product per phenomenon,
H27 lists every phenomenon at once.  Facts: docs/ARCHITECTURE.md (Disaster alerts) and the
sources named there.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass

NS = {
    "r": "http://xml.kishou.go.jp/jmaxml1/",
    "h": "http://xml.kishou.go.jp/jmaxml1/informationBasis1/",
    "b": "http://xml.kishou.go.jp/jmaxml1/body/meteorology1/",
}
ATOM = "{http://www.w3.org/2005/Atom}feed"
MUNICIPALITIES = "気象警報・注意報（市町村等）"

# R06 products by Control/Title (one phenomenon each; その他注意報 holds several).
R06_TITLES = {
    "気象警報・注意報（Ｒ０６）（大雨）": ("heavy_rain",),
    "気象警報・注意報（Ｒ０６）（土砂）": ("landslide",),
    "気象警報・注意報（Ｒ０６）（高潮）": ("storm_surge",),
    "気象警報・注意報（Ｒ０６）（暴風）": ("wind",),
    "気象警報・注意報（Ｒ０６）（波浪）": ("waves",),
    "気象警報・注意報（Ｒ０６）（大雪）": ("snow",),
    "気象警報・注意報（Ｒ０６）（その他注意報）": (
        "thunder",
        "fog",
        "dry",
        "avalanche",
        "low_temperature",
        "frost",
        "icing",
        "snow_accretion",
        "snowmelt",
        "flood",
    ),
}
H27_TITLES = ("気象警報・注意報（Ｈ２７）", "気象特別警報・警報・注意報")

# Kind/Name without its level prefix -> (event, rank).  Rank orders the kinds of one phenomenon:
# 2 注意報, 3 警報, 4 危険警報, 5 特別警報 (the JMA level where the name has one).
KINDS: dict[str, tuple[str, int]] = {
    "大雨注意報": ("heavy_rain", 2),
    "大雨警報": ("heavy_rain", 3),
    "大雨危険警報": ("heavy_rain", 4),
    "大雨特別警報": ("heavy_rain", 5),
    "土砂災害注意報": ("landslide", 2),
    "土砂災害警報": ("landslide", 3),
    "土砂災害危険警報": ("landslide", 4),
    "土砂災害特別警報": ("landslide", 5),
    "高潮注意報": ("storm_surge", 2),
    "高潮警報": ("storm_surge", 3),
    "高潮危険警報": ("storm_surge", 4),
    "高潮特別警報": ("storm_surge", 5),
    "強風注意報": ("wind", 2),
    "暴風警報": ("wind", 3),
    "暴風特別警報": ("wind", 5),
    "風雪注意報": ("wind", 2),
    "暴風雪警報": ("wind", 3),
    "暴風雪特別警報": ("wind", 5),
    "波浪注意報": ("waves", 2),
    "波浪警報": ("waves", 3),
    "波浪特別警報": ("waves", 5),
    "大雪注意報": ("snow", 2),
    "大雪警報": ("snow", 3),
    "大雪特別警報": ("snow", 5),
    "洪水注意報": ("flood", 2),
    "洪水警報": ("flood", 3),
    "雷注意報": ("thunder", 2),
    "濃霧注意報": ("fog", 2),
    "乾燥注意報": ("dry", 2),
    "なだれ注意報": ("avalanche", 2),
    "低温注意報": ("low_temperature", 2),
    "霜注意報": ("frost", 2),
    "着氷注意報": ("icing", 2),
    "着雪注意報": ("snow_accretion", 2),
    "融雪注意報": ("snowmelt", 2),
}
# Phenomena whose kinds carry JMA's warning level (警戒レベル) in their names (R06).
LEVELLED = frozenset({"heavy_rain", "landslide", "storm_surge"})
STATUSES = {"発表": "issued", "継続": "continued", "解除": "lifted"}
NO_WARNING = "発表警報・注意報はなし"
_LEVEL_PREFIX = re.compile(r"^レベル([2-5])")


class NotJmaDocument(ValueError):
    """The input is not a JMA 防災情報XML document (or not XML at all), or a broken one."""


class OtherJmaDocument(NotJmaDocument):
    """A JMA document of another kind (土砂災害警戒情報, 指定河川洪水予報 ...): no 気象警報・注意報 to read."""


@dataclass(frozen=True)
class Warning:
    event: str  # heavy_rain | landslide | storm_surge | wind | waves | snow | thunder | flood | ...
    level: int | None  # JMA 警戒レベル 2-5 (None for phenomena without levels)
    rank: int  # 2 注意報, 3 警報, 4 危険警報, 5 特別警報: the order of the kinds of one phenomenon
    status: str  # issued | continued | changed | lifted
    name: str  # JMA's Kind/Name, e.g. レベル４大雨危険警報
    code: str  # JMA's Kind/Code
    area_code: str

    @property
    def active(self) -> bool:
        return self.status != "lifted"


@dataclass(frozen=True)
class Document:
    scheme: str  # R06 | H27
    title: str  # Control/Title
    office: str  # Control/EditorialOffice
    datetime: dt.datetime  # Control/DateTime (UTC): the newest of a series is valid
    reported: dt.datetime  # Head/ReportDateTime (JST)
    info_type: str  # 発表 | 訂正 | 取消
    headline: str
    phenomena: tuple[str, ...]  # what this document is a full snapshot of
    items: dict[str, tuple[Warning, ...]]  # municipality code -> its warnings (lifts included)
    area_names: dict[str, str]  # municipality code -> name
    notice: dict[str, tuple[str, ...]]  # H27 Notice: area name -> kind names (危険警報, 氾濫特別警報)

    def for_area(self, area_code: str) -> list[Warning]:
        """The warnings that concern one municipality (``[]`` when the document does not list it)."""
        return list(self.items.get(area_code, ()))

    def covers(self, area_code: str) -> bool:
        return area_code in self.items


def kind_of(name: str) -> tuple[str, int | None, int] | None:
    """``レベル４大雨危険警報`` -> ("heavy_rain", 4, 4); ``強風注意報`` -> ("wind", None, 2); unknown -> None."""
    name = unicodedata.normalize("NFKC", name.strip())
    m = _LEVEL_PREFIX.match(name)
    base = name[m.end() :] if m else name
    if base not in KINDS:
        return None
    event, rank = KINDS[base]
    level = int(m.group(1)) if m else (rank if event in LEVELLED else None)
    return event, level, rank


def status_of(text: str) -> str:
    """JMA's Kind/Status -> issued | continued | lifted | changed (``特別警報から危険警報`` and the like)."""
    text = text.strip()
    if text in STATUSES:
        return STATUSES[text]
    if "から" in text:
        return "changed"
    raise NotJmaDocument(f"unknown warning status {text!r}")


def _time(text: str | None, what: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat((text or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise NotJmaDocument(f"{what} is not a date and time: {text!r}") from None
    if value.tzinfo is None:
        raise NotJmaDocument(f"{what} has no time zone: {text!r}")
    return value


def _significancy_level(kind: ET.Element) -> int | None:
    code = kind.findtext("b:Property/b:SignificancyPart/b:Base/b:Significancy/b:Code", namespaces=NS)
    if code and code.strip()[:1] in "2345" and len(code.strip()) == 2:
        return int(code.strip()[0])
    return None


def _notice(text: str | None) -> dict[str, tuple[str, ...]]:
    """The H27 ``Body/Notice`` ［危険警報・氾濫特別警報の発表状況］: lines ``<kind name>：<area>、<area>``.

    The only real samples say ``なし``; the listing form follows JMA's plain-text convention and is
    tested with derived documents only.
    """
    out: dict[str, list[str]] = {}
    for line in (text or "").splitlines()[1:]:
        line = unicodedata.normalize("NFKC", line.strip())
        if ":" not in line:
            continue
        kind, areas = line.split(":", 1)
        for area in re.split(r"[、,\s]+", areas.strip()):
            if area:
                out.setdefault(area, []).append(kind.strip())
    return {k: tuple(v) for k, v in out.items()}


def parse(data: bytes | str) -> Document:
    """Read one JMA weather-warning document; NotJmaDocument says what is wrong with anything else."""
    try:
        root = ET.fromstring(data.encode("utf-8") if isinstance(data, str) else data)
    except ET.ParseError as exc:
        raise NotJmaDocument(f"not XML: {exc}") from None
    if root.tag == ATOM:
        raise NotJmaDocument("an Atom feed, not a JMA document (feeds list documents; give a document)")
    if root.tag != f"{{{NS['r']}}}Report":
        raise NotJmaDocument(f"not a JMA 防災情報XML report (root element {root.tag})")
    title = (root.findtext("r:Control/r:Title", namespaces=NS) or "").strip()
    if title in R06_TITLES:
        scheme, phenomena = "R06", R06_TITLES[title]
    elif title in H27_TITLES:
        scheme, phenomena = "H27", tuple(dict.fromkeys(e for e, _ in KINDS.values()))
    else:
        raise OtherJmaDocument(f"a JMA document, but not a weather warning (気象警報・注意報): {title!r}")
    head = root.find("h:Head", NS)
    if head is None:
        raise NotJmaDocument("no Head element")
    items: dict[str, list[Warning]] = {}
    names: dict[str, str] = {}
    for warning in root.findall("b:Body/b:Warning", NS):
        if warning.get("type") != MUNICIPALITIES:
            continue
        for item in warning.findall("b:Item", NS):
            code = (item.findtext("b:Area/b:Code", namespaces=NS) or "").strip()
            if not code:
                raise NotJmaDocument("a 市町村等 warning item has no Area/Code")
            names[code] = (item.findtext("b:Area/b:Name", namespaces=NS) or "").strip()
            found = items.setdefault(code, [])
            for kind in item.findall("b:Kind", NS):
                status = (kind.findtext("b:Status", namespaces=NS) or "").strip()
                name = (kind.findtext("b:Name", namespaces=NS) or "").strip()
                if status == NO_WARNING or not name:
                    continue
                known = kind_of(name)
                if known is None:
                    continue  # a kind this reader does not know (listed in ARCHITECTURE.md)
                event, level, rank = known
                if event in LEVELLED:
                    level = _significancy_level(kind) or level
                found.append(
                    Warning(
                        event=event,
                        level=level,
                        rank=rank,
                        status=status_of(status),
                        name=name,
                        code=(kind.findtext("b:Code", namespaces=NS) or "").strip(),
                        area_code=code,
                    )
                )
    if not items:
        raise NotJmaDocument(f"no {MUNICIPALITIES} section in this {title} document")
    return Document(
        scheme=scheme,
        title=title,
        office=(root.findtext("r:Control/r:EditorialOffice", namespaces=NS) or "").strip(),
        datetime=_time(root.findtext("r:Control/r:DateTime", namespaces=NS), "Control/DateTime"),
        reported=_time(head.findtext("h:ReportDateTime", namespaces=NS), "Head/ReportDateTime"),
        info_type=(head.findtext("h:InfoType", namespaces=NS) or "").strip(),
        headline=(head.findtext("h:Headline/h:Text", namespaces=NS) or "").strip(),
        phenomena=phenomena,
        items={k: tuple(v) for k, v in items.items()},
        area_names=names,
        notice=_notice(root.findtext("b:Body/b:Notice", namespaces=NS)) if scheme == "H27" else {},
    )


def snapshot(doc: Document, area_code: str, area_name: str | None = None) -> dict[str, Warning | None]:
    """The state of every phenomenon ``doc`` covers for one municipality: its strongest active warning or None.

    H27 names under-report level 4: a 危険警報 listed for the area in ``Body/Notice`` raises the state.
    """
    out: dict[str, Warning | None] = dict.fromkeys(doc.phenomena)
    for w in doc.for_area(area_code):
        if w.active and (out.get(w.event) is None or w.rank > out[w.event].rank):
            out[w.event] = w
    if doc.scheme == "H27" and area_name:
        for name in doc.notice.get(area_name, ()):
            known = kind_of(name)
            if known is None:
                continue
            event, level, rank = known
            if out.get(event) is None or rank > out[event].rank:
                prev = out.get(event)
                out[event] = Warning(
                    event=event,
                    level=level,
                    rank=rank,
                    status=prev.status if prev else "issued",
                    name=name,
                    code="",
                    area_code=area_code,
                )
    return out
