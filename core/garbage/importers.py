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
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.csvread import ImportFailed, Issue, Report, Table, read_table
from core.garbage.model import Area, Category, CityGarbage, Item, Validity
from core.garbage.rules import Closure, Closures, RuleSyntaxError, Schedule, parse_cell
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


def _header_index(
    table: Table,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    errors: list[Issue] | None = None,
) -> dict[str, int] | None:
    """Map logical column names to indexes through NFKC-normalised header aliases.

    A missing required column raises ImportFailed, or (``errors`` given) is appended there."""
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
        issue = Issue(
            table.name,
            table.header_line,
            0,
            f"wrong header: no column {wanted!r} (header is {','.join(table.header)!r})",
        )
        if errors is None:
            raise ImportFailed([issue])
        errors.append(issue)
        return None
    return index


# Where the 5374 app reads each column, whatever the header says.
_5374_POSITIONS: dict[str, dict[str, int]] = {
    "description.csv": {"label": 0, "styles": 3, "color": 4},
    "target.csv": {"type": 0, "name": 1, "notice": 2, "furigana": 3},
    "remarks.csv": {"id": 0, "text": 1},
    "center.csv": {"name": 0, "start": 1, "end": 2},
}


def _columns_5374(
    table: Table,
    aliases: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    report: Report,
    errors: list[Issue],
) -> dict[str, int] | None:
    """Columns by their header labels, else by position as the 5374 app reads them (warned)."""
    found: list[Issue] = []
    if (index := _header_index(table, aliases, required, found)) is not None:
        return index
    positions = _5374_POSITIONS[table.name]
    if len(table.header) <= max(positions[r] for r in required):
        errors.extend(found)
        return None
    names = ", ".join(f"{i + 1} = {k}" for k, i in positions.items())
    report.warn(
        table.name,
        table.header_line,
        0,
        f"header {','.join(table.header)!r} not recognised: "
        f"columns read by position as the 5374 app does ({names})",
    )
    return dict(positions)


def _cell(cells: list[str], i: int | None) -> str:
    return clean_cell(cells[i]) if i is not None and i < len(cells) else ""


def _parse_slash_date(value: str) -> dt.date:
    m = re.fullmatch(r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})", value) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", value
    )
    if not m:
        raise ValueError(f"bad date {value!r} (expected YYYY/MM/DD)")
    try:
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        raise ValueError(f"bad date {value!r} (no such day)") from None


_OUTLIER_GAP = dt.timedelta(days=366)


def _period(listed: list[dt.date]) -> tuple[Validity, list[dt.date]]:
    """The period data with explicit dates covers, from the first listed month to the last, and the
    outliers: dates more than a year away from the bulk of the schedule (a ``20991231`` sentinel)."""
    if not listed:
        return Validity(None, None), []
    days = sorted(set(listed))
    runs: list[list[dt.date]] = [[days[0]]]
    for day in days[1:]:
        if day - runs[-1][-1] > _OUTLIER_GAP:
            runs.append([])
        runs[-1].append(day)
    counts = Counter(listed)
    main = max(runs, key=lambda run: sum(counts[d] for d in run))
    first, last = main[0], main[-1]
    next_month = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    outliers = [d for d in days if not first <= d <= last]
    return Validity(first.replace(day=1), next_month - dt.timedelta(days=1)), outliers


# --------------------------------------------------------------------------- 5374


def import_5374(
    folder: Path,
    slug: str,
    closure: str = "skip",
    validity: Validity | None = None,
    category_ids: dict[str, str] | None = None,
    policies: dict[str, dict[str, str]] | None = None,
    service_weekdays: list[int] | None = None,
    lenient: bool = False,
) -> tuple[CityGarbage, Report]:
    """Import a 5374 folder.

    From the city's ``city.json`` (``garbage`` section): ``category_ids`` maps category labels to
    chosen ids (others get their romaji); ``policies`` sets ``on_closure``/``on_holiday`` per
    category label (overriding ``closure``); ``service_weekdays`` (Mon=0) are the days a moved
    collection may land on. ``validity`` overrides the derived period (a None end keeps the derived
    one). Every problem of every file is collected before failing; with ``lenient`` an unreadable
    cell or row is skipped instead (``report.skipped``, and ``Area.unreadable`` for a cell).
    """
    folder = Path(folder)
    chosen_ids = {lookup_key(k): v for k, v in (category_ids or {}).items()}
    chosen_policies = {lookup_key(k): v for k, v in (policies or {}).items()}
    for label, policy in chosen_policies.items():
        bad = {
            k: v
            for k, v in policy.items()
            if (k, v)
            not in {
                ("on_closure", "skip"),
                ("on_closure", "move"),
                ("on_holiday", "collect"),
                ("on_holiday", "skip"),
                ("on_holiday", "move"),
            }
        }
        if bad:
            raise ImportFailed([Issue("city.json", 0, 0, f"bad policy for {label!r}: {bad}")])
    if not folder.is_dir():
        raise ImportFailed(
            [Issue(str(folder), 0, 0, "not a folder (a 5374 import needs area_days.csv and friends)")]
        )
    report = Report()
    errors: list[Issue] = []
    skip = report.skipped if lenient else errors  # where an unreadable cell or row goes

    def table(name: str, optional: bool = False) -> Table | None:
        path = folder / name
        if optional and not path.exists():
            return None
        try:
            return read_table(path, name)
        except ImportFailed as exc:
            errors.extend(exc.errors)
            return None

    description, area_days, center, target = (
        table(n) for n in ("description.csv", "area_days.csv", "center.csv", "target.csv")
    )
    remarks_table = table("remarks.csv", optional=True)
    categories = _categories_5374(description, closure, chosen_ids, chosen_policies, report, errors)
    remarks = _remarks_5374(remarks_table, report, errors, skip)
    centers = _centers_5374(center, report, errors, skip)
    areas: list[Area] = []
    listed: dict[dt.date, list[tuple[int, int]]] = {}
    if area_days is not None:
        areas = _areas_5374(
            area_days,
            categories,
            remarks if remarks_table else None,
            centers if center else None,
            report,
            errors,
            skip,
            listed,
        )
    items = _import_target(target, categories, {c.id for c in categories}, report, errors) if target else []
    if errors:
        raise ImportFailed(errors)
    assert area_days is not None

    derived, outliers = _period([d for d, cells in listed.items() for _ in cells])
    if outliers:
        gone = set(outliers)
        areas = [
            replace(
                a,
                schedules={
                    cid: s2
                    for cid, s in a.schedules.items()
                    if not (s2 := s.without_dates(gone)).empty or s2.remarks
                },
            )
            for a in areas
        ]
        for day in outliers:
            line, col = listed[day][0]
            report.warn(
                area_days.name,
                line,
                col,
                f"date {day} ({len(listed[day])} cell(s)) is more than a year away from the other "
                f"dates ({derived.start} – {derived.end}): ignored as a placeholder, not a collection "
                f"day; set the period with --valid-from/--valid-to if it is wrong",
            )
    if validity is not None:
        derived = Validity(validity.start or derived.start, validity.end or derived.end)
    garbage = CityGarbage(
        slug=slug,
        categories=categories,
        areas=areas,
        centers=centers,
        items=items,
        remarks=remarks,
        validity=derived,
        service_weekdays=frozenset(service_weekdays) if service_weekdays else frozenset(range(6)),
        source={"format": "5374", "closure": closure},
    )
    report.stats.update(
        areas=len(areas),
        categories=len(categories),
        items=len(items),
        closures=sum(len(c.periods) for c in centers.values()),
        encoding=area_days.encoding,
    )
    if report.skipped:
        report.stats["skipped"] = len(report.skipped)
    return garbage, report


def _categories_5374(
    description: Table | None,
    closure: str,
    chosen_ids: dict[str, str],
    chosen_policies: dict[str, dict[str, str]],
    report: Report,
    errors: list[Issue],
) -> list[Category]:
    """description.csv: label, sublabel, description, styles, bgcolor."""
    if description is None:
        return []
    cols = _columns_5374(
        description,
        {"label": ("label",), "styles": ("styles",), "color": ("bgcolor",)},
        ("label",),
        report,
        errors,
    )
    if cols is None:
        return []
    categories: list[Category] = []
    taken: set[str] = set()
    by_label: set[str] = set()
    for line, cells in description.rows:
        label = _cell(cells, cols["label"])
        if not label:
            report.warn(description.name, line, cols["label"] + 1, "blank category label: row skipped")
            continue
        if label.startswith("#"):
            report.warn(
                description.name, line, cols["label"] + 1, f"{label!r} is commented out (#): row skipped"
            )
            continue
        color = _cell(cells, cols.get("color"))
        if not _COLOR.match(color):
            if color:
                report.warn(
                    description.name,
                    line,
                    cols["color"] + 1,
                    f"colour {color!r} is not #rrggbb: a default is used",
                )
            color = PALETTE[len(categories) % len(PALETTE)]
        icon = Path(_cell(cells, cols.get("styles"))).stem
        if lookup_key(label) in by_label:
            report.warn(
                description.name, line, cols["label"] + 1, f"duplicate category {label!r}: row skipped"
            )
            continue
        cid = chosen_ids.get(lookup_key(label)) or slug_id(label, taken)
        taken.add(cid)
        policy = {"on_closure": closure, **chosen_policies.get(lookup_key(label), {})}
        categories.append(Category(cid, label, color.lower(), icon, **policy))  # type: ignore[arg-type]
        by_label.add(lookup_key(label))
    return categories


def _remarks_5374(
    table: Table | None, report: Report, errors: list[Issue], skip: list[Issue]
) -> dict[str, str]:
    """remarks.csv: ID, 注意事項."""
    remarks: dict[str, str] = {}
    if table is None:
        return remarks
    cols = _columns_5374(
        table, {"id": ("ID", "番号"), "text": ("注意事項", "備考", "remark")}, ("id", "text"), report, errors
    )
    for line, cells in table.rows if cols else ():
        rid = _cell(cells, cols["id"])
        if not rid.isdigit():
            skip.append(Issue(table.name, line, cols["id"] + 1, f"remark id {rid!r} is not a number"))
            continue
        remarks[rid] = _cell(cells, cols["text"])
    return remarks


def _centers_5374(
    table: Table | None, report: Report, errors: list[Issue], skip: list[Issue]
) -> dict[str, Closures]:
    """center.csv: 名称, 休止開始日, 休止終了日 -- every row counts."""
    centers: dict[str, Closures] = {}
    if table is None:
        return centers
    cols = _columns_5374(
        table,
        {"name": ("名称", "センター"), "start": ("休止開始日",), "end": ("休止終了日",)},
        ("name", "start", "end"),
        report,
        errors,
    )
    for line, cells in table.rows if cols else ():
        name = _cell(cells, cols["name"])
        if len(cells) <= max(cols.values()):
            skip.append(
                Issue(
                    table.name,
                    line,
                    len(cells) + 1,
                    f"row has {len(cells)} cells: a closure needs a name, a start and an end",
                )
            )
            continue
        try:
            start = _parse_slash_date(_cell(cells, cols["start"]))
        except ValueError as exc:
            skip.append(Issue(table.name, line, cols["start"] + 1, str(exc)))
            continue
        try:
            end = _parse_slash_date(_cell(cells, cols["end"]))
        except ValueError as exc:
            skip.append(Issue(table.name, line, cols["end"] + 1, str(exc)))
            continue
        if end < start:
            skip.append(
                Issue(table.name, line, cols["end"] + 1, f"closure ends ({end}) before it starts ({start})")
            )
            continue
        centers.setdefault(name, Closures()).periods.append(Closure(start, end))
    return centers


@dataclass
class _Row:
    line: int
    name: str
    center: str
    schedules: dict[str, Schedule]
    unreadable: dict[str, str] = field(default_factory=dict)

    def same_as(self, other: _Row) -> bool:
        return (self.center, self.schedules, self.unreadable) == (
            other.center,
            other.schedules,
            other.unreadable,
        )


def _areas_5374(
    table: Table,
    categories: list[Category],
    remarks: dict[str, str] | None,
    centers: dict[str, Closures] | None,
    report: Report,
    errors: list[Issue],
    skip: list[Issue],
    listed: dict[dt.date, list[tuple[int, int]]],
) -> list[Area]:
    """area_days.csv, read by position as the 5374 app does: area, centre, then one column per category
    label (blank header columns are ignored)."""
    name = table.name
    header = [clean_cell(h).lstrip("\ufeff") for h in table.header]
    if len(header) < 3:
        errors.append(
            Issue(
                name,
                table.header_line,
                1,
                f"wrong header: expected at least three columns "
                f"(area, centre, categories...), got {','.join(table.header)!r}",
            )
        )
        return []
    by_label = {lookup_key(c.label): c for c in categories}
    columns: list[tuple[int, str, Category | None]] = []  # (index, label, category)
    blank = [i for i in range(2, len(header)) if not header[i]]
    if blank:
        report.warn(
            name,
            table.header_line,
            blank[0] + 1,
            f"blank header column(s) {', '.join(str(i + 1) for i in blank)}: ignored, as the 5374 app does",
        )
    for i, label in enumerate(header[2:], start=2):
        if not label:
            continue
        cat = by_label.get(lookup_key(label))
        if cat is None and categories:
            known = ", ".join(c.label for c in categories)
            issue = Issue(
                name,
                table.header_line,
                i + 1,
                f"unknown category {label!r}: not a label in description.csv ({known})",
            )
            skip.append(issue)
            if skip is not errors:
                continue  # lenient: the column is skipped
        columns.append((i, label, cat))
    width = max(i for i, h in enumerate(header) if h) + 1
    rows: list[_Row] = []
    unknown_centers: dict[str, int] = {}
    for line, cells in table.rows:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            skip.append(
                Issue(
                    name,
                    line,
                    len(header) + 1,
                    f"row has {len(cells)} cells but the header has {len(header)}",
                )
            )
            continue
        if any(_cell(cells, i) for i in blank):
            report.warn(
                name,
                line,
                next(i for i in blank if _cell(cells, i)) + 1,
                "cell under a blank header column: ignored",
            )
        area_name = _cell(cells, 0)
        if not area_name:
            skip.append(Issue(name, line, 1, "area name is blank"))
            continue
        row = _Row(line, area_name, _cell(cells, 1), {})
        if len(cells) < width:
            issue = Issue(
                name, line, len(cells) + 1, f"row has {len(cells)} cells but the header has {width}"
            )
            skip.append(issue)
            if skip is errors:
                continue
        if centers is not None and row.center not in centers:
            unknown_centers.setdefault(row.center, line)
        for i, label, cat in columns:
            if i >= len(cells):
                if cat is not None:
                    row.unreadable[cat.id] = str(
                        Issue(name, line, i + 1, f"no cell for {label} (the row is short)")
                    )
                continue
            found: list[str] = []
            try:
                schedule = parse_cell(_cell(cells, i), found)
            except RuleSyntaxError as exc:
                issue = Issue(name, line, i + 1, f"{exc} in {label}")
                skip.append(issue)
                if cat is not None:
                    row.unreadable[cat.id] = str(issue)
                continue
            for message in found:
                report.warn(name, line, i + 1, f"{message} in {label}")
            for rid in schedule.remarks:
                if remarks is not None and rid not in remarks:
                    report.warn(name, line, i + 1, f"remark *{rid} is not in remarks.csv")
            for day in set(schedule.listed_dates()):
                listed.setdefault(day, []).append((line, i + 1))
            if cat is not None and (not schedule.empty or schedule.remarks):
                row.schedules[cat.id] = schedule
        rows.append(row)
    for center_name, line in unknown_centers.items():
        what = f"centre {center_name!r}" if center_name else "a blank centre"
        report.warn(name, line, 2, f"{what} is not in center.csv: no closure applies to its areas")
    return _distinct_areas(rows, name, report)


def _distinct_areas(rows: list[_Row], file: str, report: Report) -> list[Area]:
    """Areas from rows; a name that repeats is one area when the rows agree, or when they share a centre
    (the first row counts); rows with different centres are all kept as ``name（centre）``. The first
    row keeps the id the name alone gives, so existing subscriptions keep their area."""
    groups: dict[str, list[_Row]] = {}
    for row in rows:
        group = groups.setdefault(lookup_key(row.name), [])
        first = next((r for r in group if r.same_as(row) or r.center == row.center), None)
        if first is None:
            group.append(row)
        elif first.same_as(row):
            report.warn(
                file,
                row.line,
                1,
                f"area {row.name!r} repeats row {first.line} with the same days: this row is ignored",
            )
        else:
            report.warn(
                file,
                row.line,
                1,
                f"area {row.name!r} repeats row {first.line} with other days but the "
                "same centre: this row is ignored",
            )
    areas: list[tuple[int, Area]] = []
    taken: set[str] = set()
    for group in groups.values():
        for n, row in enumerate(group):
            shown = row.name if len(group) == 1 or not row.center else f"{row.name}（{row.center}）"
            aid = area_id(row.name if n == 0 else shown)
            while aid in taken:
                aid = area_id(f"{aid} {row.line}")
            taken.add(aid)
            if len(group) > 1 and n > 0:
                report.warn(
                    file,
                    row.line,
                    2,
                    f"area {row.name!r} repeats row {group[0].line} with another centre: "
                    f"both are kept, as {', '.join(repr(f'{r.name}（{r.center}）') for r in group)}",
                )
            areas.append((row.line, Area(aid, shown, row.center, row.schedules, row.unreadable)))
    return [area for _, area in sorted(areas, key=lambda pair: pair[0])]


class _Dictionary:
    """Collects dictionary items row by row, the same way for every format: blank names and
    types are skipped with a warning, duplicates are reported, and a type that matches no
    category becomes a category of its own (reported by ``report_unmatched``)."""

    def __init__(
        self,
        table: Table,
        categories: list[Category],
        taken: set[str],
        report: Report,
        name_col: int,
        type_col: int,
        type_word: str,
    ):
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
            self.report.warn(
                self.table.name,
                line,
                self.type_col + 1,
                f"item {name!r} has no {self.type_word}: row skipped",
            )
            return None
        key = lookup_key(label)
        if key not in self.by_label:
            cat = Category(
                slug_id(label, self.taken), label, PALETTE[len(self.categories) % len(PALETTE)], ""
            )
            self.categories.append(cat)
            self.by_label[key] = cat
            self.unmatched.append(cat)
        cat = self.by_label[key]
        if (name, cat.id) in self._seen:
            self.report.warn(
                self.table.name, line, self.name_col + 1, f"duplicate item {name!r}: row skipped"
            )
            return None
        self._seen.add((name, cat.id))
        return name, cat

    def report_unmatched(self) -> None:
        for cat in self.unmatched:
            count = sum(1 for i in self.items if i.category == cat.id)
            self.report.warn(
                self.table.name,
                0,
                0,
                f"{count} item(s) of type {cat.label!r} match no category "
                f"label: imported under {cat.label!r} (id {cat.id})",
            )


def _import_target(
    table: Table, categories: list[Category], taken: set[str], report: Report, errors: list[Issue]
) -> list[Item]:
    cols = _columns_5374(
        table,
        {"type": ("type", "label"), "name": ("name",), "notice": ("notice",), "furigana": ("furigana",)},
        ("type", "name"),
        report,
        errors,
    )
    if cols is None:
        return []
    dictionary = _Dictionary(table, categories, taken, report, cols["name"], cols["type"], "category")
    for line, cells in table.rows:
        if row := dictionary.row(line, cells):
            name, cat = row
            dictionary.items.append(
                Item(
                    name=name,
                    category=cat.id,
                    notice=_cell(cells, cols.get("notice")),
                    reading=reading_of(name),
                )
            )
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
    variant = (
        "v2"
        if {"district", "fee", "fee_kind"} & cols.keys()
        else ("v1" if "city_code" in cols else "aliased")
    )
    report = Report()
    categories = list(base.categories) if base else []
    dictionary = _Dictionary(
        table, categories, {c.id for c in categories}, report, cols["name"], cols["category"], "分別区分"
    )
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
    if not items:
        raise ImportFailed(
            [
                *report.warnings,
                Issue(
                    table.name,
                    0,
                    0,
                    f"no usable item in {len(table.rows)} row(s): every row lacks an item name or a 分別区分",
                ),
            ]
        )
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
    report.stats.update(
        items=len(items), categories=len(categories), variant=variant, encoding=table.encoding
    )
    return garbage, report
