"""Collection calendar queries: which categories go out on which day, and when next.

The raw dates of a schedule are adjusted in two steps, each driven by data:

1. **Centre closures.**  Every closure row of the area's centre counts.  A collection day
   inside a closure is dropped (``on_closure="skip"``, 5374's SkipSuspend) or moved to the
   first service day after the closure (``"move"``).
2. **National holidays.**  Collection goes on as usual (``on_holiday="collect"``), unless
   the category says ``"skip"`` or ``"move"`` (to the next service day that is neither a
   holiday nor closed).

A "service day" is a weekday in ``CityGarbage.service_weekdays`` (Mon-Sat by default).

How it is computed (issue 13): dates are day numbers (``date.toordinal()``) produced by
arithmetic (``Schedule.ordinals``), a centre's closures are merged runs searched by bisection,
holidays are a set of day numbers, and a move looks only at the days after the closure it
leaves.  Results are cached per city data object (``CityGarbage``, held weakly), keyed by the
*value* of what decides them -- the category and its policies, the schedule, the centre's
closure periods, the service weekdays and the range -- so areas with identical rules share one
computation, an edited ``CityGarbage`` never answers from a stale entry, and a reloaded city
starts afresh.  ``Collection`` objects are made once per cached computation and shared (they
are frozen); ``category_days`` and ``next_dates`` make no object per day.
"""

from __future__ import annotations

import datetime as dt
import weakref
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from operator import itemgetter

from core.garbage.model import Area, Category, CityGarbage
from core.garbage.rules import Closures, Schedule

_DAY = dt.timedelta(days=1)
# How far before a range we look for collections that a closure may move into it.
_MOVE_LOOKBACK = dt.timedelta(days=45)
_LOOKBACK = _MOVE_LOOKBACK.days
# How far ahead ``next_dates`` looks before answering None.
NEXT_HORIZON = dt.timedelta(days=400)
# ``next_dates`` looks a quarter at a time: most answers are within days.
_NEXT_WINDOW = 91
# Cached computations per city before the cache starts again (a server's planner moves its
# window every day; this bounds what a long-running process keeps).
CACHE_LIMIT = 20_000

_fromordinal = dt.date.fromordinal
_first = itemgetter(0)


@lru_cache(maxsize=64)
def _jp_holidays(year: int) -> frozenset[dt.date]:
    import holidays  # ~13 ms to import: only when a holiday matters (most cities collect on them)

    return frozenset(holidays.country_holidays("JP", years=year).keys())


@lru_cache(maxsize=64)
def _jp_holiday_ordinals(year: int) -> frozenset[int]:
    return frozenset(d.toordinal() for d in _jp_holidays(year))


@lru_cache(maxsize=64)
def _holiday_ordinals_between(first_year: int, last_year: int) -> frozenset[int]:
    out: set[int] = set()
    for year in range(first_year, last_year + 1):
        out |= _jp_holiday_ordinals(year)
    return frozenset(out)


def is_holiday(day: dt.date) -> bool:
    """Japanese national holiday (国民の祝日, 振替休日 and 国民の休日)."""
    return day in _jp_holidays(day.year)


def _is_holiday_ordinal(ordinal: int) -> bool:
    return ordinal in _jp_holiday_ordinals(_fromordinal(ordinal).year)


@dataclass(frozen=True)
class Collection:
    date: dt.date
    category: Category
    moved_from: dt.date | None = None  # set when a closure or holiday moved it here


class _Closed:
    """The closed days of a centre as sorted, merged runs of day numbers."""

    __slots__ = ("ends", "starts")

    def __init__(self, periods) -> None:
        runs: list[list[int]] = []
        for start, end in sorted((p.start.toordinal(), p.end.toordinal()) for p in periods):
            if start > end:
                continue  # an empty period closes nothing
            if runs and start <= runs[-1][1] + 1:  # overlapping or touching: one run
                runs[-1][1] = max(runs[-1][1], end)
            else:
                runs.append([start, end])
        self.starts = [r[0] for r in runs]
        self.ends = [r[1] for r in runs]

    def run_end(self, day: int) -> int | None:
        """Last closed day of the run that contains ``day``, or None when ``day`` is open."""
        i = bisect_right(self.starts, day) - 1
        if i >= 0 and day <= self.ends[i]:
            return self.ends[i]
        return None


def _next_service_day(day: int, closed: _Closed, service: frozenset[int], avoid_holidays: bool) -> int:
    """The first day after ``day`` (within a year) that is a service day, open, and not a
    holiday when ``avoid_holidays``."""
    limit = day + 366
    day += 1
    while day <= limit:
        if (day - 1) % 7 not in service:
            day += 1
            continue
        run_end = closed.run_end(day)
        if run_end is not None:
            day = run_end + 1
            continue
        if avoid_holidays and _is_holiday_ordinal(day):
            day += 1
            continue
        return day
    raise ValueError("no service day within a year; check service_weekdays and closures")


def _adjusted(
    schedule: Schedule,
    category: Category,
    closed: _Closed,
    service: frozenset[int],
    first: int,
    last: int,
) -> list[tuple[int, int]]:
    """(day, raw day) of every collection in [first, last], sorted, closures and holidays
    applied; the raw day differs when a closure or holiday moved the collection."""
    on_closure, on_holiday = category.on_closure, category.on_holiday
    moves = on_closure == "move" or on_holiday == "move"
    raw = schedule.ordinals(first - _LOOKBACK if moves else first, last)
    if not closed.starts and on_holiday == "collect":
        return [(d, d) for d in raw if d >= first]
    holiday_days: frozenset[int] = frozenset()
    if on_holiday != "collect" and raw:
        holiday_days = _holiday_ordinals_between(_fromordinal(raw[0]).year, _fromordinal(raw[-1]).year)
    out: dict[int, int] = {}
    run_end = closed.run_end
    for day in raw:
        target = day
        end = run_end(day)
        if end is not None:
            if on_closure == "skip":
                continue
            target = _next_service_day(end, closed, service, on_holiday != "collect")
        elif day in holiday_days:
            if on_holiday == "skip":
                continue
            target = _next_service_day(day, closed, service, True)
        if first <= target <= last and target not in out:
            out[target] = day
    return sorted(out.items()) if moves else list(out.items())


class _Store:
    """One city data object's cached computations (see the module docstring)."""

    __slots__ = ("categories", "closed", "last_closures", "results")

    def __init__(self) -> None:
        # closure periods -> their one _Closed: keys below hold that object, whose identity
        # then stands for the periods' value (hashing it costs nothing).
        self.closed: dict[tuple, _Closed] = {}
        # (Closures object, its periods then, _Closed) of the last centres asked about.
        self.last_closures: dict[int, tuple[Closures, tuple, _Closed]] = {}
        # (categories then, token): the same value, compared element by element, gets the same token.
        self.categories: tuple[tuple, object] | None = None
        self.results: dict[tuple, object] = {}

    def put(self, key: tuple, value):
        if len(self.results) >= CACHE_LIMIT:
            self.results.clear()
            self.closed.clear()
            self.last_closures.clear()
            self.categories = None
        self.results[key] = value
        return value


# id(city) -> (weak reference to the city, its store).  Kept beside the city data rather than in
# it, so a city copies and pickles as plain data; an entry goes when its city does.
_STORES: dict[int, tuple[weakref.ref, _Store]] = {}


def _store(city: CityGarbage) -> _Store:
    entry = _STORES.get(id(city))
    if entry is not None and entry[0]() is city:
        return entry[1]
    key = id(city)
    store = _Store()
    _STORES[key] = (weakref.ref(city, lambda _ref, key=key: _forget(key, _ref)), store)
    return store


def _forget(key: int, ref: weakref.ref) -> None:
    entry = _STORES.get(key)
    if entry is not None and entry[0] is ref:
        del _STORES[key]


def clear_cache(city: CityGarbage) -> None:
    """Forget the computations cached for ``city`` (benchmarks measure the work itself)."""
    entry = _STORES.get(id(city))
    if entry is not None and entry[0]() is city:
        del _STORES[id(city)]


_NO_CLOSURES = Closures()


def _closed_for(store: _Store, closures: Closures | None) -> _Closed:
    """The store's one ``_Closed`` for the value of ``closures.periods``."""
    if closures is None:
        closures = _NO_CLOSURES
    periods = tuple(closures.periods)
    last = store.last_closures.get(id(closures))
    # Same object, same periods (compared by identity first: no hashing of every period).
    if last is not None and last[0] is closures and last[1] == periods:
        return last[2]
    closed = store.closed.get(periods)
    if closed is None:
        closed = store.closed[periods] = _Closed(periods)
    store.last_closures[id(closures)] = (closures, periods, closed)
    return closed


def _categories_token(store: _Store, categories: list[Category]) -> object:
    """A token that stands for the value of ``categories`` in cache keys."""
    now = tuple(categories)
    known = store.categories
    if known is not None and known[0] == now:
        return known[1]
    token = (now,)  # a new object: keys made with an older token can never match again
    store.categories = (now, token)
    return token


def _category_pairs(
    city: CityGarbage,
    store: _Store,
    category: Category,
    schedule: Schedule,
    closed: _Closed,
    first: int,
    last: int,
) -> tuple[tuple[int, int], ...]:
    key = ("days", category, schedule, closed, city.service_weekdays, first, last)
    hit = store.results.get(key)
    if hit is None:
        hit = store.put(key, tuple(_adjusted(schedule, category, closed, city.service_weekdays, first, last)))
    return hit  # type: ignore[return-value]


class _Found:
    """One category's collections for one rule set and range, in the shapes callers merge."""

    __slots__ = ("_by_date", "pairs")

    def __init__(self, category: Category, pairs: tuple[tuple[int, int], ...]) -> None:
        made = [
            Collection(_fromordinal(d), category, None if d == raw else _fromordinal(raw)) for d, raw in pairs
        ]
        self.pairs = tuple((c.date, (c,)) for c in made)  # date order
        self._by_date: dict[dt.date, Collection] | None = None

    @property
    def by_date(self) -> dict[dt.date, Collection]:
        """Date -> collection (made when days shared with another category need mending)."""
        if self._by_date is None:
            self._by_date = {day: one for day, (one,) in self.pairs}
        return self._by_date


def _category_found(
    city: CityGarbage,
    store: _Store,
    category: Category,
    schedule: Schedule,
    closed: _Closed,
    first: int,
    last: int,
) -> _Found:
    key = ("collections", category, schedule, closed, city.service_weekdays, first, last)
    hit = store.results.get(key)
    if hit is None:
        pairs = _category_pairs(city, store, category, schedule, closed, first, last)
        hit = store.put(key, _Found(category, pairs))
    return hit  # type: ignore[return-value]


def category_collections(
    city: CityGarbage, area: Area, category: Category, start: dt.date, end: dt.date
) -> list[Collection]:
    """Collections of one category for one area in [start, end], closures applied."""
    schedule = area.schedules.get(category.id)
    if schedule is None or schedule.empty:
        return []
    store = _store(city)
    closed = _closed_for(store, city.centers.get(area.center))
    found = _category_found(city, store, category, schedule, closed, start.toordinal(), end.toordinal())
    return [one for _, (one,) in found.pairs]


def category_days(
    city: CityGarbage, area: Area, category: Category, start: dt.date, end: dt.date
) -> list[dt.date]:
    """The days of ``category_collections`` without a ``Collection`` per day."""
    schedule = area.schedules.get(category.id)
    if schedule is None or schedule.empty:
        return []
    store = _store(city)
    closed = _closed_for(store, city.centers.get(area.center))
    pairs = _category_pairs(city, store, category, schedule, closed, start.toordinal(), end.toordinal())
    return [_fromordinal(d) for d, _ in pairs]


def collections(
    city: CityGarbage, area: Area, start: dt.date, end: dt.date
) -> dict[dt.date, tuple[Collection, ...]]:
    """Days with at least one collection in [start, end] -> collections, in date order.

    Categories keep the city's order within a day.  The dict is the caller's own; the
    tuples and ``Collection`` objects in it are shared with other answers (all immutable).
    """
    store = _store(city)
    schedules = area.schedules
    categories = city.categories
    closed = _closed_for(store, city.centers.get(area.center))  # as ``city.closures(area)``
    key = (
        start,
        end,
        closed,
        city.service_weekdays,
        _categories_token(store, categories),
        tuple([schedules.get(c.id) for c in categories]),
    )
    hit = store.results.get(key)
    if hit is None:
        hit = store.put(key, _collections(city, store, area, closed, start, end))
    return dict(hit)  # type: ignore[call-overload]


def _collections(
    city: CityGarbage, store: _Store, area: Area, closed: _Closed, start: dt.date, end: dt.date
) -> dict[dt.date, tuple[Collection, ...]]:
    first, last = start.toordinal(), end.toordinal()
    found: list[_Found] = []
    for category in city.categories:
        schedule = area.schedules.get(category.id)
        if schedule is not None and not schedule.empty:
            one = _category_found(city, store, category, schedule, closed, first, last)
            if one.pairs:
                found.append(one)
    if len(found) <= 1:
        return dict(found[0].pairs) if found else {}
    # Merged without a Python step per day: concatenate, stable sort by date (categories keep
    # the city's order within a day), build the dict; then mend the few days that several
    # categories share (found by set intersection), which the dict kept only the last of.
    items = list(chain.from_iterable(one.pairs for one in found))
    items.sort(key=_first)
    out = dict(items)
    if len(out) != len(items):
        shared: set[dt.date] = set()
        for i, one in enumerate(found):
            for other in found[i + 1 :]:
                shared |= one.by_date.keys() & other.by_date.keys()
        for day in shared:
            out[day] = tuple(one.by_date[day] for one in found if day in one.by_date)
    return out


def collection_days(
    city: CityGarbage, area: Area, start: dt.date, end: dt.date
) -> dict[dt.date, tuple[str, ...]]:
    """Days with at least one collection in [start, end] -> category ids, in date order
    (``collections`` for callers that need only the days and what goes out)."""
    return {day: tuple(c.category.id for c in cs) for day, cs in collections(city, area, start, end).items()}


def next_dates(city: CityGarbage, area: Area, on: dt.date) -> dict[str, dt.date | None]:
    """The next collection of every category on or after ``on`` (None when there is none)."""
    out: dict[str, dt.date | None] = {}
    store = _store(city)
    closed = _closed_for(store, city.centers.get(area.center))
    on_day = on.toordinal()
    horizon = on_day + NEXT_HORIZON.days
    for category in city.categories:
        schedule = area.schedules.get(category.id)
        found = None
        if schedule is not None and not schedule.empty:
            first = on_day
            # A quarter at a time, as a resident's question is mostly answered within days.
            while found is None and first <= horizon:
                last = first + _NEXT_WINDOW
                pairs = _category_pairs(city, store, category, schedule, closed, first, last)
                found = _fromordinal(pairs[0][0]) if pairs else None
                first = last + 1
        out[category.id] = found
    return out
