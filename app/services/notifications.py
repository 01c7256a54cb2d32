"""The NotificationService seam: how notifications reach the app on each platform.

* Web and desktop (today): ``InboxNotificationService`` polls the backend inbox of the
  embedded default (``GET /v1/devices/{id}/inbox``, the inbox transport of ``machi serve``)
  and hands new items to the app, which shows them as in-app banners and in the list.
* Android/iOS (later): an ``FcmNotificationService`` will obtain the FCM registration token
  through a Flet extension wrapping ``firebase_messaging`` and pass it as ``push_token``
  when the device registers; the OS then shows the notifications, and taps/foreground
  messages are forwarded to the same ``on_items`` callback.

The app's view model only calls ``push_token()``, ``platform`` and ``fetch()``; it never
knows which transport is in use.
"""

from __future__ import annotations

from typing import Protocol

from app.services.backend import BackendClient, DeviceCredentials, InboxItem


class NotificationService(Protocol):
    platform: str

    def push_token(self, existing: str | None) -> str | None:
        """The token to register the device with (None: inbox only)."""
        ...

    async def fetch(self, creds: DeviceCredentials) -> list[InboxItem]:
        """Every notification currently available for the device, newest first or any order."""
        ...


class InboxNotificationService:
    """Web/desktop: the backend keeps notifications in the device's inbox; we poll it."""

    def __init__(self, client: BackendClient, platform: str = "web"):
        self.client = client
        self.platform = platform

    def push_token(self, existing: str | None) -> str | None:
        # No FCM on web/desktop: register without a token; the backend delivers to the inbox.
        return None

    async def fetch(self, creds: DeviceCredentials) -> list[InboxItem]:
        return await self.client.inbox(creds)
