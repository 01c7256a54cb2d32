"""Importers: 5374 folders and the 自治体標準オープンデータセット ゴミ分別 CSV.

Both return ``(CityGarbage, Report)`` or raise ``ImportFailed`` listing every unreadable
cell as ``file:row:column: message``.  Nothing is written here: the caller writes the
result atomically, so a failed import never leaves half a city behind.

What can be kept is kept with a warning (trailing spaces, full-width digits and blank
cells are normalised silently); only unreadable data fails: a bad date, a wrong header,
an unknown category column, an undecodable file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from core.csvread import ImportFailed, Issue, Report, Table, read_table
from core.garbage.model import Area, Category, CityGarbage, Item, Validity
from core.garbage.rules import Closure, Closures, Dates, RuleSyntaxError, Schedule, parse_cell
from core.text import clean_cell, kakasi_convert, katakana_to_hiragana, lookup_key

# Accessible fallback colours for categories that bring none (Okabe-Ito palette, darkened).
PALETTE = ["#b35900", "#0067a5", "#007a5e", "#8f6b00", "#00638a", "#a63c00", "#9c4f82", "#555555"]
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def reading_of(text: str) -> str:
    """Hiragana reading of a Japanese name (pykakasi's dictionary reading)."""
    return "".join(part["hira"] for part in kakasi_convert(text)).replace(" ", "")


def romaji_of(text: str) -> str:
    return "".join(part["hepburn"] for part in kakasi_convert(text))


def slug_id(label: str, taken: set[str]) -> str:
    """A stable ASCII id from a Japanese label: its Hepburn romaji (燃えるごみ -> moerugomi)."""
    base = re.sub(r"[^a-z0-9]+", "-", romaji_of(clean_cell(label)).lower()).strip("-") or "category"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def area_id(name: str) -> str:
    """Stable id of an area: survives re-ordering of rows and new data years."""
    return "a" + hashlib.sha1(lookup_key(name).encode("utf-8")).hexdigest()[:8]


def _header_index(table: Table, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> dict[str, int]:
    """Map logical column names to indexes through NFKC-normalised header aliases."""
    normalised = [lookup_key(h).lstrip("\ufeff") for h in table.header]
    index: dict[str, int] = {}
    for logical, names in aliases.items():
        for name in names:
            key = lookup_key(name)
            if key in normalised:
                index[logical] = normalised.index(key)
                break
    missing = [r for r in required if r not in index]
    if missing:
        wanted = " / ".join(aliases[missing[0]])
        raise ImportFailed(
            [Issue(table.name, table.header_line, 0,
                   f"wrong header: no column {wanted!r} (header is {','.join(table.header)!r})")]
        )
    return index


def _cell(cells: list[str], i: int | None) -> str:
    return clean_cell(cells[i]) if i is not None and i < len(cells) else ""


def _parse_slash_date(value: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})", value) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value)
    if not m:
        raise ValueError(f"bad date {value!r} (expected YYYY/MM/DD)")
    try:
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        raise ValueError(f"bad date {value!r} (no such day)") from None


def _validity_from(areas: list[Area]) -> Validity:
    """Data that lists explicit dates is valid from the first listed month to the last."""
    listed = [d for a in areas for s in a.schedules.values() for r in s.rules if isinstance(r, Dates) for d in r.days]
    if not listed:
        return Validity(None, None)
    first, last = min(listed), max(listed)
    next_month = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return Validity(first.replace(day=1), next_month - dt.timedelta(days=1))


# --------------------------------------------------------------------------- 5374


def import_5374(
    folder: Path,
    slug: str,
    closure: str = "skip",
    validity: Validity | None = None,
    category_ids: dict[str, str] | None = None,
    policies: dict[str, dict[str, str]] | None = None,
    service_weekdays: list[int] | None = None,
) -> tuple[CityGarbage, Report]:
    """Import a 5374 folder.

    From the city's ``city.json`` (``garbage`` section): ``category_ids`` maps category labels to
    chosen ids (others get their romaji); ``policies`` sets ``on_closure``/``on_holiday`` per
    category label (overriding ``closure``); ``service_weekdays`` (Mon=0) are the days a moved
    collection may land on.
    """
    folder = Path(folder)
    chosen_ids = {lookup_key(k): v for k, v in (category_ids or {}).items()}
    chosen_policies = {lookup_key(k): v for k, v in (policies or {}).items()}
    for label, policy in chosen_policies.items():
        bad = {k: v for k, v in policy.items()
               if (k, v) not in {("on_closure", "skip"), ("on_closure", "move"), ("on_holiday", "collect"),
                                 ("on_holiday", "skip"), ("on_holiday", "move")}}
        if bad:
            raise ImportFailed([Issue("city.json", 0, 0, f"bad policy for {label!r}: {bad}")])
    if not folder.is_dir():
        raise ImportFailed([Issue(str(folder), 0, 0, "not a folder (a 5374 import needs area_days.csv and friends)")])
    report = Report()
    errors: list[Issue] = []

    def table(name: str, optional: bool = False) -> Table | None:
        path = folder / name
        if optional and not path.exists():
            return None
        try:
            return read_table(path, name)
        except ImportFailed as exc:
            errors.extend(exc.errors)
            return None

    description, area_days, center, target = (table(n) for n in ("description.csv", "area_days.csv", "center.csv", "target.csv"))
    remarks_table = table("remarks.csv", optional=True)
    if errors:
        raise ImportFailed(errors)
    assert description and area_days and center and target

    # description.csv: label, sublabel, description, styles, bgcolor
    cols = _header_index(description, {"label": ("label",), "styles": ("styles",), "color": ("bgcolor",)}, ("label",))
    categories: list[Category] = []
    taken: set[str] = set()
    by_label: dict[str, Category] = {}
    for line, cells in description.rows:
        label = _cell(cells, cols["label"])
        if not label:
            report.warn(description.name, line, cols["label"] + 1, "blank category label: row skipped")
            continue
        color = _cell(cells, cols.get("color"))
        if not _COLOR.match(color):
            if color:
                report.warn(description.name, line, cols["color"] + 1, f"colour {color!r} is not #rrggbb: a default is used")
            color = PALETTE[len(categories) % len(PALETTE)]
        icon = Path(_cell(cells, cols.get("styles"))).stem
        if lookup_key(label) in by_label:
            report.warn(description.name, line, cols["label"] + 1, f"duplicate category {label!r}: row skipped")
            continue
        cid = chosen_ids.get(lookup_key(label)) or slug_id(label, taken)
        taken.add(cid)
        policy = {"on_closure": closure, **chosen_policies.get(lookup_key(label), {})}
        cat = Category(cid, label, color.lower(), icon, **policy)  # type: ignore[arg-type]
        categories.append(cat)
        by_label[lookup_key(label)] = cat

    # remarks.csv: ID, 注意事項
    remarks: dict[str, str] = {}
    if remarks_table:
        rcols = _header_index(remarks_table, {"id": ("ID", "番号"), "text": ("注意事項", "備考", "remark")}, ("id", "text"))
        for line, cells in remarks_table.rows:
            rid = _cell(cells, rcols["id"])
            if not rid.isdigit():
                errors.append(Issue(remarks_table.name, line, rcols["id"] + 1, f"remark id {rid!r} is not a number"))
                continue
            remarks[rid] = _cell(cells, rcols["text"])

    # center.csv: 名称, 休止開始日, 休止終了日 -- every row counts.
    ccols = _header_index(
        center, {"name": ("名称", "センター"), "start": ("休止開始日",), "end": ("休止終了日",)}, ("name", "start", "end")
    )
    centers: dict[str, Closures] = {}
    for line, cells in center.rows:
        name = _cell(cells, ccols["name"])
        try:
            start = _parse_slash_date(_cell(cells, ccols["start"]))
        except ValueError as exc:
            errors.append(Issue(center.name, line, ccols["start"] + 1, str(exc)))
            continue
        try:
            end = _parse_slash_date(_cell(cells, ccols["end"]))
        except ValueError as exc:
            errors.append(Issue(center.name, line, ccols["end"] + 1, str(exc)))
            continue
        if end < start:
            errors.append(Issue(center.name, line, ccols["end"] + 1, f"closure ends ({end}) before it starts ({start})"))
            continue
        centers.setdefault(name, Closures()).periods.append(Closure(start, end))

    # area_days.csv: 地名, センター, <category label>...
    header = [clean_cell(h).lstrip("\ufeff") for h in area_days.header]
    if len(header) < 3 or lookup_key(header[0]) not in {lookup_key(h) for h in ("地名", "地区名", "地区", "町名")}:
        raise ImportFailed([Issue(area_days.name, area_days.header_line, 1,
                                  f"wrong header: expected 地名,センター,<categories...>, got {','.join(area_days.header)!r}")])
    column_categories: list[Category] = []
    for col, label in enumerate(header[2:], start=3):
        cat = by_label.get(lookup_key(label))
        if cat is None:
            errors.append(Issue(area_days.name, area_days.header_line, col,
                                f"unknown category {label!r}: not a label in description.csv ({', '.join(c.label for c in categories)})"))
        else:
            column_categories.append(cat)
    if errors:
        raise ImportFailed(errors)

    areas: list[Area] = []
    seen: dict[str, int] = {}
    unknown_centers: dict[str, int] = {}
    for line, cells in area_days.rows:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            errors.append(Issue(area_days.name, line, len(header) + 1,
                                f"row has {len(cells)} cells but the header has {len(header)}"))
            continue
        name = _cell(cells, 0)
        if not name:
            errors.append(Issue(area_days.name, line, 1, "area name is blank"))
            continue
        center_name = _cell(cells, 1)
        if center_name not in centers:
            unknown_centers.setdefault(center_name, line)
        schedules: dict[str, Schedule] = {}
        for col, cat in enumerate(column_categories, start=2):
            try:
                schedule = parse_cell(_cell(cells, col))
            except RuleSyntaxError as exc:
                errors.append(Issue(area_days.name, line, col + 1, f"{exc} in {cat.label}"))
                continue
            for rid in schedule.remarks:
                if rid not in remarks:
                    report.warn(area_days.name, line, col + 1, f"remark *{rid} is not in remarks.csv")
            if not schedule.empty or schedule.remarks:
                schedules[cat.id] = schedule
        key = lookup_key(name)
        if key in seen:
            report.warn(area_days.name, line, 1, f"area {name!r} repeats row {seen[key]}: this row is ignored")
            continue
        seen[key] = line
        areas.append(Area(area_id(name), name, center_name, schedules))
    for center_name, line in unknown_centers.items():
        what = f"centre {center_name!r}" if center_name else "a blank centre"
        report.warn(area_days.name, line, 2, f"{what} is not in center.csv: no closure applies to its areas")

    items = _import_target(target, categories, taken, report)
    if errors:
        raise ImportFailed(errors)

    garbage = CityGarbage(
        slug=slug,
        categories=categories,
        areas=areas,
        centers=centers,
        items=items,
        remarks=remarks,
        validity=validity or _validity_from(areas),
        service_weekdays=frozenset(service_weekdays) if service_weekdays else frozenset(range(6)),
        source={"format": "5374", "closure": closure},
    )
    report.stats.update(areas=len(areas), categories=len(categories), items=len(items),
                        closures=sum(len(c.periods) for c in centers.values()),
                        encoding=area_days.encoding)
    return garbage, report


class _Dictionary:
    """Collects dictionary items row by row, the same way for every format: blank names and
    types are skipped with a warning, duplicates are reported, and a type that matches no
    category becomes a category of its own (reported by ``report_unmatched``)."""

    def __init__(self, table: Table, categories: list[Category], taken: set[str], report: Report,
                 name_col: int, type_col: int, type_word: str):
        self.table, self.categories, self.taken, self.report = table, categories, taken, report
        self.name_col, self.type_col, self.type_word = name_col, type_col, type_word
        self.by_label = {lookup_key(c.label): c for c in categories}
        self.unmatched: list[Category] = []
        self.items: list[Item] = []
        self._seen: set[tuple[str, str]] = set()

    def row(self, line: int, cells: list[str]) -> tuple[str, Category] | None:
        """(name, category) of a row, or None when the row is skipped."""
        name, label = _cell(cells, self.name_col), _cell(cells, self.type_col)
        if not name:
            self.report.warn(self.table.name, line, self.name_col + 1, "blank item name: row skipped")
            return None
        if not label:
            self.report.warn(self.table.name, line, self.type_col + 1, f"item {name!r} has no {self.type_word}: row skipped")
            return None
        key = lookup_key(label)
        if key not in self.by_label:
            cat = Category(slug_id(label, self.taken), label, PALETTE[len(self.categories) % len(PALETTE)], "")
            self.categories.append(cat)
            self.by_label[key] = cat
            self.unmatched.append(cat)
        cat = self.by_label[key]
        if (name, cat.id) in self._seen:
            self.report.warn(self.table.name, line, self.name_col + 1, f"duplicate item {name!r}: row skipped")
            return None
        self._seen.add((name, cat.id))
        return name, cat

    def report_unmatched(self) -> None:
        for cat in self.unmatched:
            count = sum(1 for i in self.items if i.category == cat.id)
            self.report.warn(self.table.name, 0, 0, f"{count} item(s) of type {cat.label!r} match no category "
                             f"label: imported under {cat.label!r} (id {cat.id})")


def _import_target(table: Table, categories: list[Category], taken: set[str], report: Report) -> list[Item]:
    cols = _header_index(
        table, {"type": ("type", "label"), "name": ("name",), "notice": ("notice",), "furigana": ("furigana",)},
        ("type", "name"),
    )
    dictionary = _Dictionary(table, categories, taken, report, cols["name"], cols["type"], "category")
    for line, cells in table.rows:
        if row := dictionary.row(line, cells):
            name, cat = row
            dictionary.items.append(Item(name=name, category=cat.id, notice=_cell(cells, cols.get("notice")),
                                         reading=reading_of(name)))
    dictionary.report_unmatched()
    return dictionary.items


# --------------------------------------------------------------------------- ゴミ分別


OD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("ゴミの品目", "品目", "品名", "品目名", "ごみの品目"),
    "kana": ("ゴミの品目_カナ", "品目_カナ", "品目カナ", "ふりがな", "よみがな", "読み", "カナ"),
    "english": ("ゴミの品目_英字", "品目_英字", "品目_英語", "ゴミの品目_英語"),
    "category": ("分別区分", "種別", "区分", "出し方区分"),
    "notice": ("注意点", "出し方のポイント", "説明", "出し方"),
    "remark": ("備考",),
    "fee": ("粗大ごみ回収料金", "料金"),
    "fee_kind": ("料金種別",),
    "district": ("地区名",),
    "city_code": ("全国地方公共団体コード",),
}


def import_odgarbage(path: Path, slug: str, base: CityGarbage | None = None) -> tuple[CityGarbage, Report]:
    """Import a ゴミ分別 CSV as the city's sorting dictionary.

    With ``base`` (the city's current data), the calendar is kept and only the dictionary is
    replaced; item types are matched to the existing category labels.
    """
    table = read_table(Path(path))
    cols = _header_index(table, OD_ALIASES, ("name", "category"))
    variant = "v2" if {"district", "fee", "fee_kind"} & cols.keys() else ("v1" if "city_code" in cols else "aliased")
    report = Report()
    categories = list(base.categories) if base else []
    dictionary = _Dictionary(table, categories, {c.id for c in categories}, report, cols["name"], cols["category"],
                             "分別区分")
    for line, cells in table.rows:
        if not (row := dictionary.row(line, cells)):
            continue
        name, cat = row
        notice_parts = [_cell(cells, cols.get("notice")), _cell(cells, cols.get("remark"))]
        fee = _cell(cells, cols.get("fee"))
        if fee:
            notice_parts.append(f"料金: {fee}")
        kana = _cell(cells, cols.get("kana"))
        english = _cell(cells, cols.get("english"))
        dictionary.items.append(
            Item(
                name=name,
                category=cat.id,
                notice=" / ".join(p for p in notice_parts if p),
                reading=katakana_to_hiragana(kana).replace(" ", "") if kana else reading_of(name),
                synonyms=(english,) if english else (),
            )
        )
    if base:  # a dictionary on its own defines its categories; merged into a city, strangers are reported
        dictionary.report_unmatched()
    items = dictionary.items
    garbage = CityGarbage(
        slug=slug,
        categories=categories,
        areas=list(base.areas) if base else [],
        centers=dict(base.centers) if base else {},
        items=items,
        remarks=dict(base.remarks) if base else {},
        validity=base.validity if base else Validity(None, None),
        service_weekdays=base.service_weekdays if base else frozenset(range(6)),
        source={**(base.source if base else {}), "dictionary": {"format": "odgarbage", "variant": variant}},
    )
    report.stats.update(items=len(items), categories=len(categories), variant=variant, encoding=table.encoding)
    return garbage, report
