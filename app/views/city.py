"""City tab: events (list, month, add to calendar), places near a point by hazard (map + list), tourist mode.

``/city?tab=events|places|tourist`` — places also take ``kind``, ``hazard`` and ``near=LAT,LON``
from a deep link. Tourist mode asks only the language and needs no set-up.
"""

from __future__ import annotations

import logging
import os

import flet as ft

from app.viewmodels.city import HAZARD_NAMES, KIND_NAMES
from app.viewmodels.routes import Route
from app.views.widgets import (
    MonthGrid,
    S,
    card,
    grid_cell_width,
    heading,
    month_header,
    text,
    weekday_header,
)
from core.places import HAZARDS

log = logging.getLogger("machi.app")
TABS = ("events", "places", "tourist")
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def tile_url() -> str | None:
    """``MACHI_MAP_TILES``: a tile URL template (default OpenStreetMap's), or ``off`` for the list only."""
    value = os.environ.get("MACHI_MAP_TILES", "").strip()
    return None if value == "off" else (value or OSM_TILES)


def _apply_params(city, r: Route) -> None:
    p = r.params
    try:
        if p.get("kind") in KIND_NAMES:
            city.set_kind(p["kind"])
        if "hazard" in p:
            city.set_hazard(p["hazard"] if p["hazard"] in HAZARDS else None)
        if "near" in p:
            lat, lon = (float(x) for x in p["near"].split(","))
            city.set_origin(lat, lon, city.t("the point you picked"))
    except ValueError as exc:
        log.info("ignored city parameters %s: %s", p, exc)


def _toggle(label: str, selected: bool, on_click, icon=None, autofocus: bool = False) -> ft.Control:
    """A choice button: the chosen one is filled AND carries a check mark (never colour alone)."""
    if selected:
        return ft.FilledButton(label, icon=ft.Icons.CHECK, on_click=on_click, autofocus=autofocus)
    return ft.OutlinedButton(label, icon=icon, on_click=on_click, autofocus=autofocus)


def build(shell, r: Route) -> ft.View:
    city, t = shell.city, shell.vm.t
    tab = r.params.get("tab", "events")
    tab = tab if tab in TABS else "events"
    _apply_params(city, r)
    names = {"events": t("Events"), "places": t("Places and shelters"), "tourist": t("Tourist mode")}
    tabs = ft.Row(
        wrap=True,
        spacing=8,
        run_spacing=8,
        controls=[_toggle(names[k], k == tab, lambda e, k=k: shell.go(f"/city?tab={k}")) for k in TABS],
    )
    body = {"events": _events, "places": _places, "tourist": _tourist}[tab](shell)
    controls: list[ft.Control] = [shell.banner_slot(), tabs, *body]
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("City")),
        navigation_bar=shell.navigation_bar(r),
        padding=12,
        scroll=ft.ScrollMode.AUTO,
        controls=controls,
    )


# ----------------------------------------------------------------------------- events


def _event_card(shell, e) -> ft.Control:
    t = shell.vm.t

    async def save(ev, event_id=e.id):
        name, data = shell.city.event_ics(event_id)
        saved = await shell.save_file(name, data, "text/calendar")
        shell.snack(t("Calendar file saved: {name}", name=saved or name))

    lines = [
        heading(e.title + (f" {e.original_note}" if e.original_note else ""), S.TITLE_MEDIUM),
        text(e.when, S.BODY_LARGE),
    ]
    if e.where:
        lines.append(text(e.where, S.BODY_MEDIUM))
    if e.description:
        lines.append(text(e.description, S.BODY_MEDIUM))
    lines.append(ft.OutlinedButton(t("Add to my calendar"), icon=ft.Icons.EVENT, on_click=save))
    return card(*lines)


def _events(shell) -> list[ft.Control]:
    city, t = shell.city, shell.vm.t

    def show(view: str):
        city.set_events_view(view)
        shell.refresh(focus=f"events-view:{view}")

    views = {"list": (t("List"), ft.Icons.VIEW_LIST), "month": (t("Month"), ft.Icons.CALENDAR_MONTH)}
    choice = ft.Semantics(
        container=True,
        label=t("Show events as"),
        content=ft.Row(
            wrap=True,
            spacing=8,
            run_spacing=8,
            controls=[
                _toggle(
                    label,
                    city.events_view == k,
                    lambda e, k=k: show(k),
                    icon=icon,
                    autofocus=shell.wants_focus(f"events-view:{k}"),
                )
                for k, (label, icon) in views.items()
            ],
        ),
    )
    if city.events_view == "month":
        calendar = ft.Column(spacing=8)
        _fill_month(shell, calendar)  # its month name is the heading
        return [choice, calendar]
    out: list[ft.Control] = [choice, heading(t("Upcoming events"), S.TITLE_LARGE)]
    rows = city.upcoming_events()
    if not rows:
        out.append(text(t("No upcoming events."), S.BODY_LARGE))
    out += [_event_card(shell, e) for e in rows]
    return out


def _fill_month(shell, column: ft.Column) -> None:
    """The events month grid (the garbage calendar's widget): days with events carry a dot per
    event and say their count; the chosen day's events, with add-to-calendar, below."""
    city, t = shell.city, shell.vm.t
    panel = ft.Container(content=_events_of_day(shell))

    def chosen() -> None:
        panel.content = _events_of_day(shell)
        column.update()

    def move(step: int) -> None:
        city.move_month(step)
        _fill_month(shell, column)
        column.update()

    if not isinstance(column.data, dict):  # the header stays across months (see month_header)
        header, title = month_header(city.events_month_title(), t("Previous month"), t("Next month"), move)
        body = ft.Column(spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        column.data = {"title": title, "body": body}
        column.controls = [card(header, body, padding=8)]
    title, body = column.data["title"], column.data["body"]
    title.value = city.events_month_title()
    scale = shell.vm.settings.text_scale
    names = weekday_header(city.event_weekday_names(grid_cell_width(shell.page.width), 12 * scale))
    grid = MonthGrid(
        city.event_weeks(),
        selected=lambda: city.selected_day,
        select=city.select_day,
        marks=_event_dots,
        selected_word=t("selected"),
        after_choose=chosen,
    )
    body.controls = [names, grid.control, panel]


def _event_dots(c) -> list[ft.Control]:
    """A dot per event (three at most; the day's spoken name says the count)."""
    if not c.count:
        return []
    return [
        ft.Row(
            spacing=2,
            alignment=ft.MainAxisAlignment.CENTER,
            controls=[ft.Icon(ft.Icons.CIRCLE, size=8, color=ft.Colors.PRIMARY)] * min(c.count, 3),
        )
    ]


def _events_of_day(shell) -> ft.Control | None:
    city, t = shell.city, shell.vm.t
    day = city.selected_day
    if day is None:
        empty = not city.event_days(city.events_month())
        return text(
            t("No events this month.") if empty else t("Choose a day to see its events."), S.BODY_LARGE
        )
    rows = city.selected_events()
    return ft.Column(
        spacing=8,
        controls=[
            heading(t.long_day(day), S.TITLE_MEDIUM),
            *([_event_card(shell, e) for e in rows] or [text(t("No events on this day."), S.BODY_LARGE)]),
        ],
    )


# ----------------------------------------------------------------------------- places


def _map(shell, rows, origin) -> ft.Control | None:
    url = tile_url()
    if url is None:
        return None
    try:
        import flet_map as fm
    except ImportError:
        return None
    t = shell.vm.t

    def tapped(e):
        c = getattr(e, "coordinates", None)
        if c is None:
            return
        shell.city.set_origin(c.latitude, c.longitude, t("the point you picked"))
        shell.render(force=True)

    markers = [
        fm.Marker(
            content=ft.Icon(ft.Icons.PLACE, color=ft.Colors.RED_700, semantics_label=r.name),
            coordinates=fm.MapLatitudeLongitude(r.lat, r.lon),
        )
        for r in rows
    ]
    markers.append(
        fm.Marker(
            content=ft.Icon(
                ft.Icons.MY_LOCATION, color=ft.Colors.BLUE_800, semantics_label=t("Starting point")
            ),
            coordinates=fm.MapLatitudeLongitude(*origin),
        )
    )
    return ft.Container(
        height=280,
        border_radius=12,
        clip_behavior=ft.ClipBehavior.HARD_EDGE,
        content=fm.Map(
            initial_center=fm.MapLatitudeLongitude(*origin),
            initial_zoom=14,
            on_tap=tapped,
            layers=[
                fm.TileLayer(url_template=url),
                fm.MarkerLayer(markers=markers),
                fm.SimpleAttribution(text="© OpenStreetMap contributors"),
            ],
        ),
    )


def _place_tile(r) -> ft.Control:
    lines = [
        text(r.name, S.TITLE_MEDIUM, weight=ft.FontWeight.BOLD),
        text(f"{r.distance} · {r.direction}", S.BODY_LARGE),
    ]
    if r.hazards:
        lines.append(text(r.hazards, S.BODY_MEDIUM))
    if r.address:
        lines.append(text(r.address, S.BODY_MEDIUM))
    return ft.Semantics(label=r.label, container=True, content=card(*lines))


def _places(shell) -> list[ft.Control]:
    city, t = shell.city, shell.vm.t

    async def my_position(e):
        try:
            import flet_geolocator as fg

            pos = await fg.Geolocator().get_current_position()
            city.set_origin(pos.latitude, pos.longitude, t("your position"))
            shell.render(force=True)
        except Exception as exc:  # noqa: BLE001 - no permission, no GPS, unsupported platform
            log.info("no position: %s", exc)
            shell.snack(t("Your position is not available. Pick a point on the map or use the city centre."))

    def centre(e):
        city.use_centre()
        shell.render(force=True)

    def kind(k):
        city.set_kind(k)
        shell.render(force=True)

    def hazard(h):
        city.set_hazard(h)
        shell.render(force=True)

    where = ft.TextField(label=t("Address or area"), dense=True, width=260)

    def search_where(e):
        if city.origin_from_text(where.value or ""):
            shell.render(force=True)
        else:
            where.error = t("No place found for {text}.", text=where.value or "")
            where.update()

    where.on_submit = search_where
    rows = city.nearest_rows(limit=10)
    out: list[ft.Control] = [
        heading(t("Places and shelters"), S.TITLE_LARGE),
        ft.Row(
            wrap=True,
            spacing=8,
            run_spacing=8,
            controls=[
                _toggle(t(KIND_NAMES[k]), city.kind == k, lambda e, k=k: kind(k))
                for k in ("shelter", "evacuation", "aed", "childcare")
                if city.has_kind(k)
            ],
        ),
    ]
    if city.kind in ("shelter", "evacuation"):
        out.append(text(t("Suitable for:"), S.TITLE_SMALL))
        out.append(
            ft.Row(
                wrap=True,
                spacing=8,
                run_spacing=8,
                controls=[
                    _toggle(t("All hazards"), city.hazard is None, lambda e: hazard(None)),
                    *[
                        _toggle(t(HAZARD_NAMES[h]), city.hazard == h, lambda e, h=h: hazard(h))
                        for h in HAZARDS
                    ],
                ],
            )
        )
    out.append(
        ft.Row(
            wrap=True,
            spacing=8,
            run_spacing=8,
            controls=[
                ft.OutlinedButton(t("Use my position"), icon=ft.Icons.MY_LOCATION, on_click=my_position),
                ft.OutlinedButton(t("City centre"), icon=ft.Icons.LOCATION_CITY, on_click=centre),
                where,
                ft.OutlinedButton(t("Search"), icon=ft.Icons.SEARCH, on_click=search_where),
            ],
        )
    )
    if city.origin:
        out.append(text(t("Nearest to {origin}", origin=city.origin_name), S.BODY_LARGE))
        if shell.vm.sync_state.online is not False:
            m = _map(shell, rows, city.origin)
            if m is not None:
                out.append(m)
                out.append(
                    text(
                        t("Tap the map to pick a point. Map data © OpenStreetMap contributors."), S.BODY_SMALL
                    )
                )
    if not rows:
        out.append(text(t("No place matches."), S.BODY_LARGE))
    out += [_place_tile(r) for r in rows]
    return out


# ----------------------------------------------------------------------------- tourist mode


def _tourist(shell) -> list[ft.Control]:
    city, vm, t = shell.city, shell.vm, shell.vm.t

    async def language(e):
        await vm.set_language(e.control.value)

    if city.origin is None:
        city.use_centre()
    out: list[ft.Control] = [
        heading(t("Tourist mode"), S.TITLE_LARGE),
        text(t("No registration needed. Choose your language:"), S.BODY_LARGE),
        ft.RadioGroup(
            value=vm.language,
            on_change=language,
            content=ft.Column(
                spacing=0,
                controls=[ft.Radio(value=k, label=name) for k, name in vm.language_choices()],
            ),
        ),
        heading(t("Free Wi-Fi"), S.TITLE_MEDIUM),
    ]
    wifi = city.nearest_rows(limit=5, kind="wifi")
    out += [_place_tile(r) for r in wifi] or [
        text(t("The city has not published Wi-Fi spots yet."), S.BODY_LARGE)
    ]
    out.append(heading(t("Sights"), S.TITLE_MEDIUM))
    sights = city.nearest_rows(limit=10, kind="tourism")
    out += [_place_tile(r) for r in sights] or [text(t("No sights published yet."), S.BODY_LARGE)]
    out.append(heading(t("Upcoming events"), S.TITLE_MEDIUM))
    events = city.upcoming_events(limit=3)
    out += [_event_card(shell, e) for e in events] or [text(t("No upcoming events."), S.BODY_LARGE)]
    return out


# ----------------------------------------------------------------------------- Home and Settings parts


def home_section(shell) -> list[ft.Control]:
    """The curated feed on Home, from the interests chosen in Settings."""
    t = shell.vm.t
    items = shell.city.feed()
    if not items:
        return []
    return [
        card(
            heading(t("For you"), S.TITLE_MEDIUM),
            *[
                ft.ListTile(
                    title=ft.Text(i.title),
                    subtitle=ft.Text(i.subtitle),
                    on_click=lambda e, r=i.route: shell.go(r),
                )
                for i in items
            ],
        )
    ]


def settings_section(shell) -> list[ft.Control]:
    """Interests for the Home feed, and the city data version and period in use."""
    city, t = shell.city, shell.vm.t

    async def toggle(e, key):
        await city.set_interest(key, bool(e.control.value))

    boxes = [
        ft.Checkbox(label=label, value=on, on_change=lambda e, k=key: shell.run(toggle(e, k)))
        for key, label, on in city.interest_choices()
    ]
    out = [card(heading(t("Interests on Home"), S.TITLE_MEDIUM), *boxes)]
    if status := city.bundle_text():
        out.append(card(heading(t("City data"), S.TITLE_MEDIUM), text(status, S.BODY_MEDIUM)))
    return out


def attach(shell) -> None:
    """Give the shell its city view model, read the installed city bundle, and watch for new ones."""
    import asyncio

    from app.services.bundle import check_interval, ensure_watching, shared_service
    from app.services.garbage import GarbageRepository
    from app.viewmodels.city import CityViewModel

    vm = shell.vm
    bundles = shared_service(vm.config.api_url, vm.config.city)
    shell.city = CityViewModel(vm, bundles)
    if (installed := bundles.data_dir()) is not None:
        try:
            vm.repo = GarbageRepository(vm.config.city, installed)
        except Exception:
            log.exception("the installed city bundle is unreadable; using the shipped copy")

    def on_new_bundle(status) -> None:
        try:
            vm.repo = GarbageRepository(vm.config.city, bundles.data_dir())
        except Exception:
            log.exception("the new city bundle is unreadable; keeping the data in use")
            return
        vm.notify("bundle")  # the shell re-renders only screens that show the city's data

    bundles.subscribe(on_new_bundle)
    try:
        interval = check_interval()
    except ValueError as exc:
        log.warning("%s; checking daily", exc)
        interval = 24 * 3600.0

    async def start() -> None:
        before = list(shell.city.prefs.interests)
        await shell.city.load_prefs()
        ensure_watching(bundles, interval)
        if shell.city.prefs.interests != before and shell.route.path == "/":
            shell.render(force=True)  # Home shows the stored interests (other screens are left alone)

    asyncio.get_running_loop().create_task(start())
    old_close = shell.page.on_disconnect

    def closed(e=None):
        bundles.unsubscribe(on_new_bundle)
        if old_close:
            old_close(e)

    shell.detach_city = closed


def is_tourist(r: Route) -> bool:
    """Tourist mode opens without the resident set-up."""
    return r.path == "/city" and r.params.get("tab") == "tourist"
