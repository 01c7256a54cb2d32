"""Entry point: one Flet page = one resident session.

python -m app.main                      desktop window
machi app --web --port 8550             web build on 127.0.0.1 (see app/cli.py)
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import flet as ft

from app.platform import SharedPreferencesStore, platform_name, start_background
from app.services.backend import BackendClient
from app.services.config import AppConfig
from app.services.notifications import InboxNotificationService
from app.services.settings import SettingsRepository
from app.viewmodels.app import AppViewModel
from app.views.shell import Shell
from app.views.theme import FONT_FAMILY, FONT_FILE, build_theme

log = logging.getLogger("machi.app")
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
# Flet keeps a disconnected web session (its page, controls and view model) this long so that a
# reload or a short network loss resumes it; Flet's own default is an hour.  The resident's state
# lives in the browser (SharedPreferences), so a new session loses nothing.  FLET_SESSION_TIMEOUT
# in the environment still wins.
SESSION_TIMEOUT_SECONDS = 300


def _tag(locale: ft.Locale) -> str:
    parts = [
        getattr(locale, "language_code", None),
        getattr(locale, "script_code", None),
        getattr(locale, "country_code", None),
    ]
    return "-".join(p for p in parts if p)


async def device_locales(page: ft.Page) -> list[str]:
    try:
        info = await page.get_device_info()
    except Exception as exc:  # noqa: BLE001 - an old client or an unknown platform: fall back to English
        log.info("no device info: %s", exc)
        return []
    tags = [_tag(loc) for loc in (getattr(info, "locales", None) or [])]
    langs = getattr(info, "languages", None) or []  # the web reports navigator.languages as well
    return [t for t in tags if t] + [str(x) for x in langs]


def make_main(config: AppConfig | None = None):
    config = config or AppConfig.from_env()

    async def main(page: ft.Page) -> None:
        page.title = "Machi"
        page.fonts = {FONT_FAMILY: FONT_FILE}
        page.theme = build_theme(1.0)
        page.theme_mode = ft.ThemeMode.LIGHT
        prefs = ft.SharedPreferences()
        picker = ft.FilePicker()
        share = ft.Share()
        client = BackendClient(config.api_url, client_ip=page.client_ip if page.web else None)
        notifier = InboxNotificationService(client, platform_name(page))
        vm = AppViewModel(config, SettingsRepository(SharedPreferencesStore(prefs)), client, notifier)
        await vm.load(await device_locales(page))

        async def save_file(name: str, data: bytes, mime: str) -> str | None:
            if page.platform and page.platform.is_mobile() and not page.web:
                await share.share_files([ft.ShareFile.from_bytes(data, mime_type=mime, name=name)])
                return name
            return await picker.save_file(file_name=name, src_bytes=data)

        shell = Shell(page, vm, save_file)
        shell.start()
        # after the first screen is drawn: the search index, so the first search answers at once
        start_background(vm.repo.prepare_search, vm.language, name="search-index")
        stop = asyncio.Event()

        def closed(e=None):
            stop.set()

        page.on_disconnect = closed
        page.on_close = closed
        page.run_task(vm.sync_forever, stop)

    return main


def run_desktop(config: AppConfig | None = None) -> None:
    ft.run(make_main(config), assets_dir=str(ASSETS_DIR))


def run_web(port: int, config: AppConfig | None = None, host: str = "127.0.0.1") -> None:
    os.environ.setdefault("FLET_SESSION_TIMEOUT", str(SESSION_TIMEOUT_SECONDS))
    ft.run(
        make_main(config),
        view=ft.AppView.WEB_BROWSER,
        host=host,
        port=port,
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
    )


if __name__ == "__main__":
    run_desktop()
