"""The Handbook tab (Flet only): children, the vaccination timeline with reasons, growth charts
(flet-charts LineChart: the 3rd-97th percentile curves and the child's points), record forms,
reminders per child, export/import and a printable summary.

    /handbook              the children, add a child, export / import
    /handbook?child=ID     one child: next dose, reminders, timeline, growth
"""

from __future__ import annotations

import os

import flet as ft
import flet_charts as fch

from app.platform import SharedPreferencesStore
from app.services.vault import FileBlobStore, KeyValueBlobStore, Vault
from app.viewmodels.handbook import STATUS_ICONS, HandbookViewModel
from app.viewmodels.routes import Route
from app.views.widgets import S, card, heading, text, warning

ICONS = {
    "check": ft.Icons.CHECK_CIRCLE,
    "bell": ft.Icons.NOTIFICATIONS_ACTIVE,
    "clock": ft.Icons.SCHEDULE,
    "warning": ft.Icons.WARNING_AMBER,
    "block": ft.Icons.BLOCK,
}
COLORS = {
    "done": ft.Colors.GREEN_800,
    "due": ft.Colors.BLUE_800,
    "upcoming": ft.Colors.ON_SURFACE_VARIANT,
    "overdue": ft.Colors.DEEP_ORANGE_900,
    "ineligible": ft.Colors.ON_SURFACE_VARIANT,
}
CURVE_STYLE = {
    3: (ft.Colors.GREY_500, [4, 4]),
    10: (ft.Colors.GREY_400, None),
    25: (ft.Colors.GREY_400, None),
    50: (ft.Colors.GREY_700, None),
    75: (ft.Colors.GREY_400, None),
    90: (ft.Colors.GREY_400, None),
    97: (ft.Colors.GREY_500, [4, 4]),
}


def _vault_opener(page: ft.Page):
    async def open_vault() -> Vault:
        import flet_secure_storage as fss

        prefs = SharedPreferencesStore(ft.SharedPreferences())
        storage_dir = os.environ.get("FLET_APP_STORAGE_DATA")
        # the web build keeps everything in the resident's browser, never on the web server
        blobs = FileBlobStore(storage_dir) if storage_dir and not page.web else KeyValueBlobStore(prefs)
        try:
            keys = fss.SecureStorage()
        except Exception:  # noqa: BLE001 - no secure storage control on this client
            keys = None
        return await Vault.open(blobs, keys, web=bool(page.web), fallback=prefs)

    return open_vault


def _vm(shell) -> HandbookViewModel:
    vm = getattr(shell, "handbook_vm", None)
    if vm is None:
        vm = shell.handbook_vm = HandbookViewModel(shell.vm, _vault_opener(shell.page))
    return vm


def build(shell, r: Route) -> ft.View:
    hb, t = _vm(shell), shell.vm.t
    controls: list[ft.Control] = [shell.banner_slot()]
    if not hb.loaded:

        async def load():
            await hb.load()
            shell.render(force=True)

        shell.run(load())
        controls.append(ft.ProgressRing(semantics_label=t("Loading the handbook")))
    else:
        if hb.load_error:
            controls.append(warning(hb.load_error))
        child = hb.child(r.params.get("child", "")) if r.params.get("child") else None
        controls += _child_page(shell, hb, child) if child else _list_page(shell, hb)
    title = t("Handbook")
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(title),
        navigation_bar=shell.navigation_bar(r),
        scroll=ft.ScrollMode.AUTO,
        controls=controls,
        padding=12,
    )


def _field(label: str, *, hint: str = "", keyboard=ft.KeyboardType.TEXT, value: str = "") -> ft.TextField:
    return ft.TextField(
        label=label,
        hint_text=hint or None,
        keyboard_type=keyboard,
        value=value,
        text_style=ft.TextStyle(size=16),
    )


def _switch(label: str, value: bool, on_toggle, explain: str = "") -> ft.Control:
    """A switch with a short spoken label (Flet's switch label does not wrap, so it stays short to
    fit 200 % text on a 360-px screen); a longer explanation, if any, is a wrapping text above it."""
    switch = ft.Switch(label=label, value=value, on_change=lambda e: on_toggle(bool(e.control.value)))
    return ft.Column(spacing=2, controls=[*([text(explain, S.BODY_MEDIUM)] if explain else []), switch])


def _show_errors(fields: dict[str, ft.TextField], errors: dict[str, str], form_error: ft.Text) -> None:
    for name, f in fields.items():
        f.error = errors.get(name)  # Flet 1.0: the error text under the field
    form_error.value = errors.get("form", "")
    form_error.visible = bool(form_error.value)


# ---------------------------------------------------------------------------------- children list
def _list_page(shell, hb: HandbookViewModel) -> list[ft.Control]:
    t = shell.vm.t
    out: list[ft.Control] = [heading(t("Children"))]
    rows = hb.children()
    if not rows:
        out.append(text(t("No child yet. Add your child to see the vaccination schedule and growth curves.")))
    for row in rows:
        out.append(
            card(
                ft.Row(
                    wrap=True,
                    spacing=8,
                    controls=[
                        text(row.name, S.TITLE_LARGE, weight=ft.FontWeight.BOLD),
                        text(row.age, S.TITLE_MEDIUM),
                    ],
                ),
                text(row.next_due, S.BODY_LARGE),
                ft.FilledButton(
                    t("Open {name}", name=row.name),
                    icon=ft.Icons.CHILD_CARE,
                    on_click=lambda e, cid=row.id: shell.go(f"/handbook?child={cid}"),
                ),
            )
        )
    out.append(_add_child_form(shell, hb))
    out.append(_guardian_section(shell, hb))
    out.append(_pregnancy_section(shell, hb))
    out.append(
        card(
            heading(t("Your data"), S.TITLE_MEDIUM),
            text(hb.protection_text(), S.BODY_MEDIUM),
            text(
                t(
                    "The handbook stays on this device. Export a copy to keep it safe or move it to a "
                    "new phone."
                ),
                S.BODY_MEDIUM,
            ),
            ft.Row(
                wrap=True,
                spacing=8,
                controls=[
                    ft.OutlinedButton(
                        t("Export (JSON)"),
                        icon=ft.Icons.DOWNLOAD,
                        on_click=lambda e: _export(shell, hb, "json"),
                    ),
                    ft.OutlinedButton(
                        t("Export (FHIR)"),
                        icon=ft.Icons.DOWNLOAD,
                        on_click=lambda e: _export(shell, hb, "fhir"),
                    ),
                    ft.OutlinedButton(
                        t("Import a file"),
                        icon=ft.Icons.UPLOAD,
                        on_click=lambda e: shell.run(_import(shell, hb)),
                    ),
                ],
            ),
        )
    )
    return out


def _add_child_form(shell, hb: HandbookViewModel) -> ft.Control:
    t = shell.vm.t
    name = _field(t("Name or nickname"))
    birth = _field(t("Birth date (YYYY-MM-DD)"), hint="2025-07-31", keyboard=ft.KeyboardType.DATETIME)
    sex = ft.RadioGroup(
        content=ft.Row(
            wrap=True,
            controls=[ft.Radio(value="female", label=t("Girl")), ft.Radio(value="male", label=t("Boy"))],
        )
    )
    sex_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)
    form_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)

    async def save():
        result = await hb.add_child(name.value or "", sex.value or "", birth.value or "")
        _show_errors({"name": name, "birth": birth}, result.errors, form_error)
        sex_error.value = result.errors.get("sex", "")
        sex_error.visible = bool(sex_error.value)
        if result.ok:
            shell.render(force=True)
        else:
            shell.page.update()

    return card(
        heading(t("Add a child"), S.TITLE_MEDIUM),
        name,
        sex,
        sex_error,
        birth,
        form_error,
        ft.FilledButton(t("Add the child"), icon=ft.Icons.PERSON_ADD, on_click=lambda e: shell.run(save())),
    )


def _export(shell, hb: HandbookViewModel, fmt: str) -> None:
    data = hb.export_json() if fmt == "json" else hb.export_fhir()
    name = "handbook.json" if fmt == "json" else "handbook-fhir.json"
    shell.run(shell.save_file(name, data, "application/json" if fmt == "json" else "application/fhir+json"))


async def _import(shell, hb: HandbookViewModel) -> None:
    picker = ft.FilePicker()
    files = await picker.pick_files(allowed_extensions=["json"], with_data=True)
    if not files or files[0].bytes is None:
        return
    message = await hb.import_bytes(files[0].bytes)
    shell.snack(message or shell.vm.t("The handbook was imported."))
    shell.render(force=True)


# ---------------------------------------------------------------------------------- one child
def _child_page(shell, hb: HandbookViewModel, child) -> list[ft.Control]:
    t = shell.vm.t
    out: list[ft.Control] = [
        ft.TextButton(t("All children"), icon=ft.Icons.ARROW_BACK, on_click=lambda e: shell.go("/handbook")),
        ft.Row(
            wrap=True, spacing=8, controls=[heading(child.name), text(hb.age_text(child), S.TITLE_MEDIUM)]
        ),
        card(heading(t("Next vaccination"), S.TITLE_MEDIUM), text(hb.next_due_text(child.id), S.BODY_LARGE)),
    ]
    recording = getattr(shell, "handbook_record", None)
    if recording and recording[0] == child.id:
        out.append(_record_form(shell, hb, child, *recording[1:]))

    async def toggle(on: bool):
        message = await hb.set_reminders(child.id, on)
        shell.snack(message)

    out.append(
        card(
            _switch(
                t("Reminders"),
                child.reminders,
                lambda on: shell.run(toggle(on)),
                explain=t("Vaccination reminders for this child"),
            ),
            text(
                t("Only the vaccine and dose are sent to the server, never the name or birth date."),
                S.BODY_MEDIUM,
            ),
        )
    )
    out.append(_conditions_section(shell, hb, child))
    out.append(_growth_section(shell, hb, child))
    out.append(_timeline(shell, hb, child))
    out.append(_other_dose_section(shell, hb, child))
    out.append(_birth_section(shell, hb, child))
    out.append(_checkup_section(shell, hb, child))
    out.append(_note_section(shell, hb, child))
    out.append(
        card(
            heading(t("Print or save"), S.TITLE_MEDIUM),
            ft.OutlinedButton(
                t("Printable summary"),
                icon=ft.Icons.PRINT,
                on_click=lambda e: shell.run(
                    shell.save_file(
                        f"handbook-{child.id}.html", hb.summary_html(child.id).encode(), "text/html"
                    )
                ),
            ),
        )
    )
    return out


def _timeline(shell, hb: HandbookViewModel, child) -> ft.Control:
    t = shell.vm.t
    items: list[ft.Control] = [heading(t("Vaccination schedule"), S.TITLE_MEDIUM)]
    doses = [d for d in hb.plan(child.id) if not (d.alternative_to and d.vaccine == "rota5")]
    for row, d in zip(hb.timeline(child.id), doses, strict=True):
        icon = ft.Icon(ICONS[STATUS_ICONS[row.status]], color=COLORS[row.status], size=22)
        body = ft.Column(
            spacing=2,
            expand=True,
            controls=[
                ft.Row(
                    wrap=True,
                    spacing=6,
                    controls=[
                        text(
                            f"{row.vaccine} ({t('dose {n}', n=row.dose)})",
                            S.TITLE_SMALL,
                            weight=ft.FontWeight.BOLD,
                        ),
                        text(
                            row.status_label,
                            S.LABEL_LARGE,
                            color=COLORS[row.status],
                            weight=ft.FontWeight.BOLD,
                        ),
                    ],
                ),
                text(row.date, S.BODY_MEDIUM),
                text(row.reason, S.BODY_MEDIUM),
            ],
        )
        controls: list[ft.Control] = [icon, body]
        if row.status != "done":
            spoken = t("Record {vaccine}, dose {n}", vaccine=row.vaccine, n=row.dose)
            controls.append(
                ft.TextButton(
                    content=ft.Text(t("Record"), semantics_label=spoken),
                    tooltip=spoken,
                    on_click=lambda e, v=d.vaccine, n=d.dose, name=row.vaccine: _open_record(
                        shell, child, v, n, name
                    ),
                )
            )
        items.append(
            ft.Semantics(
                container=True,
                label=row.label,
                content=ft.Row(controls=controls, vertical_alignment=ft.CrossAxisAlignment.START),
            )
        )
    return card(*items)


def _record_form(shell, hb: HandbookViewModel, child, vaccine: str, dose: int, name: str) -> ft.Control:
    """Record a dose (opened from the timeline's Record button, shown under the next-dose card)."""
    t = shell.vm.t
    date = _field(t("Date given (YYYY-MM-DD)"), hint="2025-09-30", keyboard=ft.KeyboardType.DATETIME)
    lot = _field(t("Lot number (optional)"))
    clinic = _field(t("Clinic (optional)"))
    form_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)

    async def save():
        result = await hb.add_vaccination(
            child.id, vaccine, str(dose), date.value or "", lot=lot.value or "", clinic=clinic.value or ""
        )
        _show_errors({"date": date}, result.errors, form_error)
        if result.ok:
            shell.handbook_record = None
            shell.render(force=True)
        else:
            shell.page.update()

    def cancel():
        shell.handbook_record = None
        shell.render(force=True)

    return card(
        heading(t("{vaccine}, dose {n}", vaccine=name, n=dose), S.TITLE_MEDIUM),
        date,
        lot,
        clinic,
        form_error,
        ft.Row(
            wrap=True,
            spacing=8,
            controls=[
                ft.FilledButton(t("Save the dose"), icon=ft.Icons.SAVE, on_click=lambda e: shell.run(save())),
                ft.TextButton(t("Cancel"), on_click=lambda e: cancel()),
            ],
        ),
    )


def _open_record(shell, child, vaccine: str, dose: int, name: str) -> None:
    shell.handbook_record = (child.id, vaccine, dose, name)
    shell.render(force=True)


# ---------------------------------------------------------------------------------- growth
def _growth_section(shell, hb: HandbookViewModel, child) -> ft.Control:
    """The chart, its measure buttons and the WHO switch; switching redraws this part only."""
    t = shell.vm.t
    body = ft.Column(spacing=8)

    def fill() -> None:
        measure = getattr(shell, "handbook_measure", "weight")
        who_on = getattr(shell, "handbook_who", False)
        chart = hb.chart(child.id, measure)
        choices = ft.Row(
            wrap=True,
            spacing=6,
            controls=[
                (ft.FilledButton if m == measure else ft.OutlinedButton)(
                    label, on_click=lambda e, m=m: pick(m)
                )
                for m, label in (("weight", t("Weight")), ("height", t("Height")), ("head", t("Head")))
            ],
        )
        body.controls = [
            choices,
            growth_chart(chart, t),
            text(chart.summary, S.BODY_MEDIUM),
            _switch(t("WHO z-score"), who_on, who),
            *([text(chart.who, S.BODY_MEDIUM)] if who_on and chart.who else []),
        ]

    def pick(measure: str) -> None:
        shell.handbook_measure = measure
        fill()
        body.update()

    def who(on: bool) -> None:
        shell.handbook_who = on
        fill()
        body.update()

    fill()
    return card(
        heading(t("Growth"), S.TITLE_MEDIUM),
        body,
        text(t("Grey lines: the 3rd to 97th percentiles of Japanese children (2023 survey)."), S.BODY_SMALL),
        _measurement_form(shell, hb, child),
    )


def growth_chart(chart, t) -> ft.Control:
    """The percentile curves and the child's points (flet-charts LineChart)."""
    series = []
    for p, line in chart.curves:
        color, dash = CURVE_STYLE[p]
        series.append(
            fch.LineChartData(
                points=[fch.LineChartDataPoint(x=x, y=y, show_tooltip=False) for x, y in line],
                color=color,
                stroke_width=1.5 if p == 50 else 1,
                dash_pattern=dash,
                curved=True,
                point=False,
            )
        )
    series.append(
        fch.LineChartData(
            points=[fch.LineChartDataPoint(x=x, y=y, tooltip=f"{y:g}") for x, y in chart.points],
            color=ft.Colors.PINK_700,
            stroke_width=2,
            point=True,
        )
    )
    step = 3 if chart.max_x <= 24 else 12
    lc = fch.LineChart(
        data_series=series,
        min_x=0,
        max_x=chart.max_x,
        min_y=chart.min_y,
        max_y=chart.max_y,
        height=260,
        interactive=False,
        left_axis=fch.ChartAxis(label_size=40, title=ft.Text(chart.title, size=12), title_size=20),
        bottom_axis=fch.ChartAxis(
            label_size=24,
            labels=[
                fch.ChartAxisLabel(value=m, label=ft.Text(str(m), size=12))
                for m in range(0, int(chart.max_x) + 1, step)
            ],
            title=ft.Text(t("Age (months)"), size=12),
            title_size=20,
        ),
        horizontal_grid_lines=fch.ChartGridLines(color=ft.Colors.GREY_200, width=1),
    )
    return ft.Semantics(label=f"{chart.title}. {chart.summary}", content=lc)


def _measurement_form(shell, hb: HandbookViewModel, child) -> ft.Control:
    t = shell.vm.t
    date = _field(t("Measured on (YYYY-MM-DD)"), hint="2025-09-30", keyboard=ft.KeyboardType.DATETIME)
    weight = _field(t("Weight (kg)"), keyboard=ft.KeyboardType.NUMBER)
    height = _field(t("Length / height (cm)"), keyboard=ft.KeyboardType.NUMBER)
    head = _field(t("Head circumference (cm)"), keyboard=ft.KeyboardType.NUMBER)
    form_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)
    confirm_box = ft.Column(spacing=6, visible=False)

    def hide():
        confirm_box.visible = False
        shell.page.update()

    async def save(confirmed: bool = False):
        result = await hb.add_measurement(
            child.id,
            date.value or "",
            weight.value or "",
            height.value or "",
            head.value or "",
            confirmed=confirmed,
        )
        _show_errors(
            {"date": date, "weight": weight, "height": height, "head": head}, result.errors, form_error
        )
        confirm_box.controls = [text(c, S.BODY_LARGE, color=ft.Colors.ERROR) for c in result.confirm] + (
            [
                ft.Row(
                    wrap=True,
                    spacing=8,
                    controls=[
                        ft.FilledButton(t("Yes, save it"), on_click=lambda e: shell.run(save(True))),
                        ft.TextButton(t("Correct it"), on_click=lambda e: hide()),
                    ],
                )
            ]
            if result.confirm
            else []
        )
        confirm_box.visible = bool(result.confirm)
        if result.ok:
            shell.render(force=True)
        else:
            shell.page.update()

    return ft.Column(
        spacing=8,
        controls=[
            heading(t("Add a measurement"), S.TITLE_SMALL),
            date,
            weight,
            height,
            head,
            form_error,
            confirm_box,
            ft.FilledButton(
                t("Save the measurement"), icon=ft.Icons.SAVE, on_click=lambda e: shell.run(save())
            ),
        ],
    )


# ---------------------------------------------------------------------------------- check-ups, notes
def _checkup_section(shell, hb: HandbookViewModel, child) -> ft.Control:
    t = shell.vm.t
    kind = ft.RadioGroup(
        content=ft.Row(
            wrap=True, controls=[ft.Radio(value=k, label=label) for k, label in hb.checkup_choices()]
        )
    )
    kind_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)
    date = _field(
        t("Date of the check-up (YYYY-MM-DD)"), hint="2025-09-30", keyboard=ft.KeyboardType.DATETIME
    )
    weight = _field(t("Check-up weight (kg)"), keyboard=ft.KeyboardType.NUMBER)
    height = _field(t("Check-up length / height (cm)"), keyboard=ft.KeyboardType.NUMBER)
    head = _field(t("Check-up head circumference (cm)"), keyboard=ft.KeyboardType.NUMBER)
    findings = _field(t("Findings (optional)"))
    form_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)

    async def save():
        result = await hb.add_checkup(
            child.id,
            kind.value or "",
            date.value or "",
            weight.value or "",
            height.value or "",
            head.value or "",
            findings.value or "",
        )
        _show_errors(
            {"date": date, "weight": weight, "height": height, "head": head}, result.errors, form_error
        )
        kind_error.value = result.errors.get("kind", "")
        kind_error.visible = bool(kind_error.value)
        if result.ok:
            shell.render(force=True)
        else:
            shell.page.update()

    done = [text(line, S.BODY_MEDIUM) for line in hb.checkups(child.id)] or [
        text(t("No check-up recorded yet."), S.BODY_MEDIUM)
    ]
    return card(
        heading(t("Check-ups"), S.TITLE_MEDIUM),
        *done,
        heading(t("Add a check-up"), S.TITLE_SMALL),
        kind,
        kind_error,
        date,
        weight,
        height,
        head,
        findings,
        form_error,
        ft.FilledButton(t("Save the check-up"), icon=ft.Icons.SAVE, on_click=lambda e: shell.run(save())),
    )


def _note_section(shell, hb: HandbookViewModel, child) -> ft.Control:
    t = shell.vm.t
    date = _field(t("Date (YYYY-MM-DD)"), hint="2025-09-30", keyboard=ft.KeyboardType.DATETIME)
    body = ft.TextField(label=t("Note"), multiline=True, min_lines=2, text_style=ft.TextStyle(size=16))
    form_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)

    async def save():
        result = await hb.add_note(child.id, date.value or "", body.value or "")
        _show_errors({"date": date, "text": body}, result.errors, form_error)
        if result.ok:
            shell.render(force=True)
        else:
            shell.page.update()

    notes = [
        text(f"{t.long_day(n.date)}: {n.text}", S.BODY_MEDIUM)
        for n in sorted(child.notes, key=lambda n: n.date)
    ]
    return card(
        heading(t("Notes"), S.TITLE_MEDIUM),
        *notes,
        date,
        body,
        form_error,
        ft.FilledButton(t("Save the note"), icon=ft.Icons.SAVE, on_click=lambda e: shell.run(save())),
    )


# ---------------------------------------------------------------------------------- birth, family, pregnancy
def _form(shell, fields: dict[str, ft.Control], action, button: str) -> tuple[list[ft.Control], ft.Text]:
    """Fields, an error line and a save button that runs ``action`` and shows its FormResult."""
    form_error = text("", S.BODY_MEDIUM, color=ft.Colors.ERROR, visible=False)

    async def save():
        result = await action()
        _show_errors(
            {k: f for k, f in fields.items() if isinstance(f, ft.TextField)}, result.errors, form_error
        )
        if result.ok:
            shell.render(force=True)
        else:
            shell.page.update()

    return [
        *fields.values(),
        form_error,
        ft.FilledButton(button, icon=ft.Icons.SAVE, on_click=lambda e: shell.run(save())),
    ], form_error


def _birth_section(shell, hb: HandbookViewModel, child) -> ft.Control:
    t, num = shell.vm.t, ft.KeyboardType.NUMBER
    b = child.birth
    val = lambda v: "" if v is None else f"{v:g}"  # noqa: E731
    f = {
        "weeks": _field(t("Weeks of pregnancy at birth"), keyboard=num, value=val(b and b.gestational_weeks)),
        "days": _field(t("and days"), keyboard=num, value=val(b and b.gestational_days)),
        "weight": _field(t("Birth weight (kg)"), keyboard=num, value=val(b and b.weight_kg)),
        "length": _field(t("Birth length (cm)"), keyboard=num, value=val(b and b.length_cm)),
        "head": _field(t("Head circumference at birth (cm)"), keyboard=num, value=val(b and b.head_cm)),
        "chest": _field(t("Chest circumference at birth (cm)"), keyboard=num, value=val(b and b.chest_cm)),
        "delivery": _field(t("Delivery (optional)"), value=(b.delivery if b else "")),
    }
    controls, _ = _form(
        shell,
        f,
        lambda: hb.set_birth(
            child.id,
            weeks=f["weeks"].value or "",
            days=f["days"].value or "",
            weight_kg=f["weight"].value or "",
            length_cm=f["length"].value or "",
            head_cm=f["head"].value or "",
            chest_cm=f["chest"].value or "",
            delivery=f["delivery"].value or "",
        ),
        t("Save the birth record"),
    )
    return card(heading(t("Birth"), S.TITLE_MEDIUM), text(hb.birth_text(child.id), S.BODY_MEDIUM), *controls)


def _conditions_section(shell, hb: HandbookViewModel, child) -> ft.Control:
    t = shell.vm.t

    async def toggle(condition: str, on: bool):
        message = await hb.set_condition(child.id, condition, on)
        if message:
            shell.snack(message)
        shell.render(force=True)

    ended = {
        "date": _field(
            t("A long illness ended on (YYYY-MM-DD, optional)"),
            hint="2025-09-30",
            keyboard=ft.KeyboardType.DATETIME,
            value=hb.illness_ended_text(child.id),
        )
    }
    controls, _ = _form(
        shell, ended, lambda: hb.set_illness_ended(child.id, ended["date"].value or ""), t("Save the date")
    )
    return card(
        heading(t("Conditions that change the schedule"), S.TITLE_MEDIUM),
        *[
            _switch(short, on, lambda value, k=k: shell.run(toggle(k, value)), explain=label)
            for k, short, label, on in hb.conditions(child.id)
        ],
        text(
            t(
                "If a long illness kept the child from routine vaccinations, doses may stay free for "
                "2 years after it ended (long-term illness special measure). The city decides: ask it."
            ),
            S.BODY_MEDIUM,
        ),
        *controls,
    )


def _guardian_section(shell, hb: HandbookViewModel) -> ft.Control:
    t = shell.vm.t
    f = {"name": _field(t("Guardian's name")), "relation": _field(t("Relation (optional)"))}
    controls, _ = _form(
        shell,
        f,
        lambda: hb.add_guardian(f["name"].value or "", f["relation"].value or ""),
        t("Add the guardian"),
    )
    people = [
        text(f"{g.name}" + (f" ({g.relation})" if g.relation else ""), S.BODY_MEDIUM)
        for g in hb.book.guardians
    ]
    return card(heading(t("Guardians"), S.TITLE_MEDIUM), *people, *controls)


def _pregnancy_section(shell, hb: HandbookViewModel) -> ft.Control:
    t, num = shell.vm.t, ft.KeyboardType.NUMBER
    f = {
        "date": _field(t("Visit date (YYYY-MM-DD)"), hint="2025-03-01", keyboard=ft.KeyboardType.DATETIME),
        "week": _field(t("Week of pregnancy"), keyboard=num),
        "weight": _field(t("Mother's weight (kg)"), keyboard=num),
        "bp": _field(t("Blood pressure, upper (mmHg)"), keyboard=num),
        "bp_low": _field(t("Blood pressure, lower (mmHg)"), keyboard=num),
        "urine": _field(t("Urine protein (-, ±, +, ++, +++)")),
        "sugar": _field(t("Urine sugar (-, ±, +, ++, +++)")),
        "notes": _field(t("Notes (optional)")),
    }
    controls, _ = _form(
        shell,
        f,
        lambda: hb.add_pregnancy_visit(
            f["date"].value or "",
            f["week"].value or "",
            weight_kg=f["weight"].value or "",
            bp_systolic=f["bp"].value or "",
            bp_diastolic=f["bp_low"].value or "",
            urine_protein=f["urine"].value or "",
            urine_sugar=f["sugar"].value or "",
            notes=f["notes"].value or "",
        ),
        t("Save the visit"),
    )
    visits = [text(v, S.BODY_MEDIUM) for v in hb.pregnancy_visits()]
    due, rsv = hb.maternal_values()
    m = {
        "due": _field(
            t("Due date (YYYY-MM-DD)"), hint="2026-07-01", keyboard=ft.KeyboardType.DATETIME, value=due
        ),
        "rsv": _field(
            t("RSV vaccine given on (YYYY-MM-DD, optional)"), keyboard=ft.KeyboardType.DATETIME, value=rsv
        ),
    }
    maternal, _ = _form(
        shell, m, lambda: hb.set_maternal(m["due"].value or "", m["rsv"].value or ""), t("Save the date")
    )
    rows = [text(r, S.BODY_MEDIUM) for r in hb.maternal_rows()]
    return card(
        heading(t("Pregnancy check-ups"), S.TITLE_MEDIUM),
        *visits,
        *controls,
        heading(t("RSV vaccine in pregnancy (protects the baby)"), S.TITLE_SMALL),
        *rows,
        *maternal,
    )


def _other_dose_section(shell, hb: HandbookViewModel, child) -> ft.Control:
    """Any routine vaccine and dose, e.g. 四種混合 or Hib of a series begun before 2024."""
    t = shell.vm.t
    vaccine = ft.RadioGroup(
        content=ft.Column(
            spacing=0, controls=[ft.Radio(value=v, label=label) for v, label in hb.vaccine_choices()]
        )
    )
    f = {
        "dose": _field(t("Dose number"), keyboard=ft.KeyboardType.NUMBER),
        "date": _field(
            t("Date of this dose (YYYY-MM-DD)"), hint="2025-09-30", keyboard=ft.KeyboardType.DATETIME
        ),
    }
    controls, _ = _form(
        shell,
        {"vaccine": vaccine, **f},
        lambda: hb.add_vaccination(
            child.id, vaccine.value or "", f["dose"].value or "", f["date"].value or ""
        ),
        t("Save the dose"),
    )
    return ft.ExpansionTile(title=ft.Text(t("Record another vaccination")), controls=[card(*controls)])
