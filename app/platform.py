"""Adapters from the app's service seams to Flet's platform services (no UI here)."""

from __future__ import annotations

import flet as ft


class SharedPreferencesStore:
    """``KeyValueStore`` over ``ft.SharedPreferences`` (localStorage on the web)."""

    def __init__(self, prefs: ft.SharedPreferences):
        self.prefs = prefs

    async def get(self, key: str) -> str | None:
        value = await self.prefs.get(key)
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str) -> None:
        await self.prefs.set(key, value)


def platform_name(page: ft.Page) -> str:
    if page.web:
        return "web"
    p = page.platform.value if page.platform else "desktop"
    return {"android": "android", "ios": "ios"}.get(p, "desktop")
