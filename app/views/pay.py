"""Pay: scan a slip (camera on phones, a photo, or the digits typed with live validation), the
result with "pay with" buttons, mark as paid, history, reminders and the tax calendar.

Phones: ``flet-camera`` takes a full-resolution still (``take_picture``), decoded on the device
by pyzbar (``core/payslip/decode.py``) or, without a local decoder, by the server.  Desktop and
the web app: a photo picked with ``FilePicker``, decoded by zxing-cpp in the app process.
"""

from __future__ import annotations

import asyncio
import logging

import flet as ft

from app.viewmodels.pay import Notice, PayOption, PayViewModel, SlipResult
from app.viewmodels.routes import Route
from app.views.theme import text_style
from app.views.widgets import S, card, heading, text, warning

log = logging.getLogger("machi.app")
_INFO_FG, _INFO_BG = "#0b2a45", "#e6eef7"
_BLOCK_FG, _BLOCK_BG = "#ffffff", "#8c1d18"


# ----------------------------------------------------------------------------- wiring


async def open_store(page: ft.Page):
    """The encrypted history store (the app's vault), else a session-only store."""
    from app.platform import SharedPreferencesStore
    from app.services.payslips import MemorySlipStore, VaultSlipStore
    from app.services.vault import KeyValueBlobStore, Vault

    prefs = SharedPreferencesStore(ft.SharedPreferences())
    try:
        from flet_secure_storage import SecureStorage

        keys = SecureStorage()
    except ImportError:
        keys = None
    try:
        vault = await asyncio.wait_for(
            Vault.open(KeyValueBlobStore(prefs), keys, web=bool(page.web), fallback=prefs), timeout=20
        )
    except Exception as exc:  # noqa: BLE001 - no storage at all: keep slips for the session only
        log.warning("no slip history store: %s", type(exc).__name__)
        return MemorySlipStore()
    return VaultSlipStore(vault)


def pay_vm(shell) -> PayViewModel:
    """The tab's view model, made once per session; the encrypted history opens in the background.

    The Pay screen is shown whole once the history is loaded, never filled in under a resident's
    fingers: in Flutter web, when the screen's scroll container stops being scrollable (even for
    a frame, while cards are filled in) its accessibility node is re-created, which takes the
    focused slip-number field out of the page and drops what is being typed (seen in the browser
    tests: the field's ``<input>`` was detached with its parent as the history and reminder cards
    arrived)."""
    if getattr(shell, "pay", None) is None:
        shell.pay = PayViewModel(shell.vm, store_opener=lambda: open_store(shell.page))

        async def loaded():
            await shell.pay.load()
            if shell.route.path in ("/pay", "/pay/slip"):
                shell.render(force=True)  # redrawn in place (Shell._build): no route transition

        shell.run(loaded())
    return shell.pay


def _loading(shell, r: Route, title: str) -> ft.View:
    return ft.View(
        route=r.url,
        appbar=shell.appbar(title, actions=False),
        padding=12,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        controls=[ft.ProgressRing(semantics_label=shell.vm.t("Loading"))],
    )


def _open(shell, entry_id: str) -> None:
    shell.go(f"/pay/slip?id={entry_id}")


# ----------------------------------------------------------------------------- /pay


def build(shell, r: Route) -> ft.View:
    t = shell.vm.t
    vm = pay_vm(shell)
    view = ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("Pay")),
        navigation_bar=shell.navigation_bar(r),
        scroll=ft.ScrollMode.AUTO,
        padding=12,
    )
    if vm.loaded:
        view.controls = _pay_controls(shell, r)
    else:  # drawn whole once loaded (see pay_vm)
        view.controls = [
            ft.Row(
                alignment=ft.MainAxisAlignment.CENTER,
                controls=[ft.ProgressRing(semantics_label=t("Loading"))],
            )
        ]
    return view


def _pay_controls(shell, r: Route) -> list[ft.Control]:
    """The Pay screen's content (the history is loaded)."""
    t = shell.vm.t
    vm = shell.pay
    page = shell.page
    scale = shell.vm.settings.text_scale
    state = vm.input_state()
    helper = ft.Text(state.text, theme_style=S.BODY_MEDIUM, color="#8c1d18" if state.error else None)
    check = ft.FilledButton(t("Check the slip"), icon=ft.Icons.FACT_CHECK, disabled=not state.valid)
    photo_error = ft.Container(visible=False)

    def refresh_input():
        s = vm.input_state()
        helper.value = s.text
        helper.color = "#8c1d18" if s.error else None
        check.disabled = not s.valid
        helper.update()
        check.update()

    def changed(e):
        vm.set_input(e.control.value or "")
        refresh_input()

    async def submit(e=None):
        entry_id = await vm.submit()
        if entry_id:
            _open(shell, entry_id)
        else:
            refresh_input()

    field = ft.TextField(
        label=t("Slip number"),
        value=vm.input_text,
        on_change=changed,
        on_submit=submit,
        keyboard_type=ft.KeyboardType.NUMBER,
        multiline=False,
        hint_text="91…",
        text_style=text_style(scale),
        prefix_icon=ft.Icons.DIALPAD,
    )
    check.on_click = submit

    def show_photo_error():
        photo_error.content = warning(vm.photo_error) if vm.photo_error else None
        photo_error.visible = bool(vm.photo_error)
        photo_error.update()

    async def decoded(data: bytes, content_type: str):
        entry_id = await vm.add_photo(data, content_type)
        if entry_id:
            _open(shell, entry_id)
        else:
            show_photo_error()

    picker = ft.FilePicker()

    async def pick(e):
        files = await picker.pick_files(
            dialog_title=t("Choose a photo of the slip"),
            file_type=ft.FilePickerFileType.IMAGE,
            with_data=True,
        )
        if not files:
            return
        f = files[0]
        data = f.bytes
        if data is None and f.path:
            data = await asyncio.to_thread(_read, f.path)
        if not data:
            vm.photo_error = t("This file is not a picture Machi can read. Choose a JPEG or PNG photo.")
            show_photo_error()
            return
        await decoded(data, _content_type(f.name))

    scan_buttons: list[ft.Control] = []
    if _camera_available(page):
        scan_buttons.append(
            ft.FilledButton(
                t("Take a photo"),
                icon=ft.Icons.PHOTO_CAMERA,
                on_click=lambda e: _camera_dialog(shell, decoded),
            )
        )
    scan_buttons.append(ft.FilledTonalButton(t("Choose a photo"), icon=ft.Icons.PHOTO_LIBRARY, on_click=pick))

    controls: list[ft.Control] = [shell.banner_slot()]
    controls.append(
        card(
            heading(t("Scan a tax payment slip"), S.TITLE_MEDIUM),
            text(
                t(
                    "Machi reads the barcode or the eL-QR code of a 納付書 on your device and tells you what it is, "
                    "how to pay it, and reminds you before the due date."
                ),
                S.BODY_MEDIUM,
            ),
            ft.Row(wrap=True, spacing=8, run_spacing=8, controls=scan_buttons),
            photo_error,
            field,
            ft.Semantics(live_region=True, content=helper),
            check,
        )
    )
    controls.append(_storage_note(vm))
    controls.append(_history_card(shell, vm))
    controls.append(_reminder_card(shell, vm))
    controls.append(_calendar_card(shell, vm))
    controls.append(card(*[text(n, S.BODY_MEDIUM) for n in vm.general_notes()]))
    return controls


def _storage_note(vm: PayViewModel) -> ft.Control:
    """Where the history is kept: a note in a browser, a warning when it is not encrypted or not kept."""
    note = vm.storage_note()
    if not note:
        return ft.Container()
    return notice_box(Notice("info" if vm.repo.store.protection == "browser" else "warn", note))


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(16 * 1024 * 1024)
    except OSError:
        return None


def _content_type(name: str | None) -> str:
    ext = (name or "").rsplit(".", 1)[-1].lower()
    return {
        "png": "image/png",
        "webp": "image/webp",
        "gif": "image/gif",
        "bmp": "image/bmp",
        "tif": "image/tiff",
        "tiff": "image/tiff",
    }.get(ext, "image/jpeg")


def _camera_available(page: ft.Page) -> bool:
    """flet-camera works on phones (and the web, where the file picker offers the camera anyway);
    it has no desktop implementation."""
    if page.web or not (page.platform and page.platform.is_mobile()):
        return False
    try:
        import flet_camera  # noqa: F401
    except ImportError:
        return False
    return True


def _camera_dialog(shell, decoded) -> None:
    """A full-resolution still from the back camera (flet-camera), then the same decoding."""
    import flet_camera as fc

    t = shell.vm.t
    cam = fc.Camera(expand=True)
    dialog = ft.AlertDialog(
        modal=True, title=ft.Text(t("Take a photo")), content=ft.Container(width=360, height=480, content=cam)
    )

    async def close(e=None):
        shell.page.pop_dialog()

    async def capture(e):
        data = await cam.take_picture()
        shell.page.pop_dialog()
        await decoded(data, "image/jpeg")

    async def start():
        try:
            cams = await cam.get_available_cameras()
            back = next((c for c in cams if str(getattr(c, "lens_direction", "")).endswith("back")), cams[0])
            await cam.initialize(back, fc.ResolutionPreset.VERY_HIGH, enable_audio=False)
        except Exception as exc:  # noqa: BLE001 - no camera or no permission
            log.info("camera unavailable: %s", type(exc).__name__)
            shell.page.pop_dialog()
            shell.snack(t("The camera is not available. Choose a photo instead."))

    dialog.actions = [
        ft.TextButton(t("Cancel"), on_click=close),
        ft.FilledButton(t("Take the photo"), icon=ft.Icons.CAMERA, on_click=capture),
    ]
    shell.page.show_dialog(dialog)
    shell.run(start())


def _history_card(shell, vm: PayViewModel) -> ft.Control:
    t = shell.vm.t
    rows = vm.history_rows()
    body: list[ft.Control] = [heading(t("Your slips"), S.TITLE_MEDIUM)]
    if not rows:
        body.append(
            text(t("No slips yet. Scanned slips are kept only on this device, encrypted."), S.BODY_LARGE)
        )
    for row in rows:
        icon = (
            ft.Icons.CHECK_CIRCLE
            if row.is_paid
            else ft.Icons.ERROR_OUTLINE
            if row.expired
            else ft.Icons.RECEIPT_LONG
        )
        color = "#1b5e20" if row.is_paid else "#8c1d18" if row.expired else ft.Colors.PRIMARY
        tile = ft.Container(
            padding=8,
            border_radius=8,
            ink=True,
            on_click=lambda e, i=row.entry_id: _open(shell, i),
            content=ft.Row(
                vertical_alignment=ft.CrossAxisAlignment.START,
                controls=[
                    ft.Icon(icon, color=color),
                    ft.Column(
                        expand=True,
                        spacing=2,
                        tight=True,
                        controls=[
                            text(row.title, S.TITLE_SMALL, weight=ft.FontWeight.BOLD),
                            text(row.amount_text, S.BODY_LARGE),
                            text(row.status_text, S.BODY_MEDIUM, color=color),
                        ],
                    ),
                ],
            ),
        )
        body.append(
            ft.Semantics(
                button=True,
                label=row.label,
                container=True,
                exclude_semantics=True,
                on_tap=lambda e, i=row.entry_id: _open(shell, i),
                content=tile,
            )
        )
    return card(*body)


def _reminder_card(shell, vm: PayViewModel) -> ft.Control:
    t = shell.vm.t
    status = text(vm.reminder_status(), S.BODY_MEDIUM)

    async def changed(e):
        await vm.set_remind_days(e.control.value)
        status.value = vm.reminder_status()
        status.update()

    label = text_style(shell.vm.settings.text_scale)
    return card(
        heading(t("Reminders before the due date"), S.TITLE_MEDIUM),
        text(
            t(
                "Machi sends the server only the tax and the due date, never the amount or the slip's "
                "numbers."
            ),
            S.BODY_MEDIUM,
        ),
        ft.RadioGroup(
            value=vm.remind_value(),
            on_change=changed,
            content=ft.Column(
                spacing=0,
                controls=[
                    ft.Radio(value=v, label=name, label_style=label) for v, name in vm.remind_choices()
                ],
            ),
        ),
        ft.Semantics(live_region=True, content=status),
    )


def _calendar_card(shell, vm: PayViewModel) -> ft.Control:
    t = shell.vm.t

    async def save(e):
        name, data = vm.ics()
        saved = await shell.save_file(name, data, "text/calendar")
        shell.snack(t("Calendar file saved: {name}", name=saved or name))

    rows = [
        ft.Row(
            wrap=True,
            spacing=8,
            controls=[
                text(d.day_text, S.BODY_LARGE, weight=ft.FontWeight.W_600),
                text(d.title, S.BODY_LARGE),
            ],
        )
        for d in vm.upcoming()
    ]
    note = vm.calendar_note()
    return card(
        heading(t("Tax calendar"), S.TITLE_MEDIUM),
        *rows,
        *([text(note, S.BODY_MEDIUM, italic=True)] if note else []),
        ft.FilledButton(t("Add the tax calendar to my calendar"), icon=ft.Icons.EVENT, on_click=save),
    )


# ----------------------------------------------------------------------------- /pay/slip


def notice_box(n: Notice) -> ft.Control:
    if n.severity == "warn":
        return warning(n.text)
    fg, bg, icon = (
        (_BLOCK_FG, _BLOCK_BG, ft.Icons.BLOCK)
        if n.severity == "block"
        else (_INFO_FG, _INFO_BG, ft.Icons.INFO_OUTLINE)
    )
    # part of a freshly built screen, not an update: no live region (screen readers read it in order)
    return ft.Semantics(
        container=True,
        content=ft.Container(
            bgcolor=bg,
            border_radius=10,
            padding=12,
            content=ft.Row(
                vertical_alignment=ft.CrossAxisAlignment.START,
                controls=[
                    ft.Icon(icon, color=fg),
                    ft.Text(n.text, theme_style=S.BODY_LARGE, color=fg, expand=True),
                ],
            ),
        ),
    )


def build_slip(shell, r: Route) -> ft.View:
    t = shell.vm.t
    vm = pay_vm(shell)
    if not vm.loaded:
        return _loading(shell, r, t("Tax payment slip"))
    res = vm.result(r.params.get("id", ""))
    if res is None:
        return ft.View(
            route=r.url,
            appbar=shell.appbar(t("Tax payment slip"), actions=False),
            padding=12,
            controls=[text(t("This slip is not in your history (it may have been deleted)."), S.BODY_LARGE)],
        )
    controls: list[ft.Control] = [shell.banner_slot(), _summary(shell, res)]
    controls += [notice_box(n) for n in res.notices]
    controls.append(_paid_card(shell, vm, res))
    controls.append(_methods_card(shell, vm, res))
    if res.el_number:
        controls.append(
            card(
                heading(t("eL number"), S.TITLE_MEDIUM),
                text(t("The local tax payment site and Pay-easy ask for these numbers."), S.BODY_MEDIUM),
                *[
                    ft.Row(
                        wrap=True,
                        spacing=8,
                        controls=[
                            text(label, S.BODY_LARGE),
                            ft.Text(
                                value, theme_style=S.BODY_LARGE, selectable=True, weight=ft.FontWeight.BOLD
                            ),
                        ],
                    )
                    for label, value in res.el_number
                ],
            )
        )
    controls.append(_tax_card(shell, vm, res))
    controls.append(card(*[text(n, S.BODY_MEDIUM) for n in vm.general_notes()]))

    async def delete(e):
        await vm.delete(res.entry_id)
        shell.go("/pay")

    controls.append(ft.TextButton(t("Delete from my history"), icon=ft.Icons.DELETE_OUTLINE, on_click=delete))
    return ft.View(
        route=r.url,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        appbar=shell.appbar(t("Tax payment slip"), actions=False),
        scroll=ft.ScrollMode.AUTO,
        controls=controls,
        padding=12,
    )


def _summary(shell, res: SlipResult) -> ft.Control:
    parts: list[ft.Control] = [
        heading(res.title, S.TITLE_LARGE),
        text(res.kind_text, S.BODY_MEDIUM, color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Text(res.amount_text, theme_style=S.HEADLINE_MEDIUM, weight=ft.FontWeight.BOLD),
    ]
    if res.due_text:
        parts.append(text(res.due_text, S.TITLE_MEDIUM))
    parts.append(text(res.pay_by_text, S.TITLE_MEDIUM))
    if res.days_left_text:
        parts.append(
            text(res.days_left_text, S.TITLE_MEDIUM, weight=ft.FontWeight.BOLD, color=ft.Colors.PRIMARY)
        )
    if res.reissue_text:
        parts.append(text(res.reissue_text, S.BODY_LARGE, italic=True))
    return card(*parts)


def _paid_card(shell, vm: PayViewModel, res: SlipResult) -> ft.Control:
    t = shell.vm.t

    async def paid(e):
        await vm.mark_paid(res.entry_id, getattr(shell, "pay_launched", None))
        shell.render(force=True)

    async def unpaid(e):
        await vm.mark_unpaid(res.entry_id)
        shell.render(force=True)

    if res.is_paid:
        return card(
            ft.Row(
                wrap=True,
                controls=[
                    ft.Icon(ft.Icons.CHECK_CIRCLE, color="#1b5e20"),
                    text(res.paid_text or "", S.TITLE_MEDIUM),
                ],
            ),
            ft.OutlinedButton(t("Mark as not paid"), icon=ft.Icons.UNDO, on_click=unpaid),
        )
    return card(
        text(
            t("Paid it already, here or elsewhere? Mark it so Machi warns you before paying twice."),
            S.BODY_LARGE,
        ),
        ft.FilledButton(t("Mark as paid"), icon=ft.Icons.TASK_ALT, on_click=paid),
    )


def _methods_card(shell, vm: PayViewModel, res: SlipResult) -> ft.Control:
    t = shell.vm.t
    body: list[ft.Control] = [heading(t("Pay with an app"), S.TITLE_MEDIUM)]
    if not res.options:
        body.append(
            text(t("No payment app takes this slip. Pay at a bank or the city office."), S.BODY_LARGE)
        )
    for o in res.options:
        body.append(_method_row(shell, o))
    if res.can_pay:
        body.append(text(t("The app opens; scan the slip there, check the amount and pay."), S.BODY_MEDIUM))
    return card(*body)


def _method_row(shell, o: PayOption) -> ft.Control:
    t = shell.vm.t

    async def launch(e):
        shell.pay_launched = o.id
        shell.snack(t("After paying, come back and mark the slip as paid."))
        await ft.UrlLauncher().launch_url(o.url)

    details = (
        [o.limit_text]
        + ([o.reason] if o.reason else [])
        + ([t("not confirmed by the city")] if o.example else [])
    )
    return ft.Column(
        spacing=2,
        tight=True,
        controls=[
            ft.FilledButton(o.label, icon=ft.Icons.OPEN_IN_NEW, disabled=not o.available, on_click=launch),
            text(" · ".join(details), S.BODY_MEDIUM, color=None if o.available else "#8c1d18"),
        ],
    )


def _tax_card(shell, vm: PayViewModel, res: SlipResult) -> ft.Control:
    t = shell.vm.t

    async def chosen(e):
        await vm.set_tax(res.entry_id, e.control.value or None)
        shell.render(force=True)

    return card(
        heading(t("Which tax is this?"), S.TITLE_MEDIUM),
        text(
            res.tax_note or t("Used for the reminder's text; the slip itself does not always say."),
            S.BODY_MEDIUM,
        ),
        ft.Dropdown(
            value=res.tax,
            label=t("Tax"),
            on_select=chosen,
            options=[ft.DropdownOption(key=k, text=name) for k, name in res.tax_choices],
        ),
    )
