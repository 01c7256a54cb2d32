"""Settings of the push service, read from the environment (prefix ``MACHI_``) by pydantic-settings.

Every field is documented in docs/backend.md and the README's settings table.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.ratelimit import Network, parse_networks
from core.city import default_data_dir


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MACHI_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir, description="Data directory (SQLite file, city data)."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/machi.db."
    )

    transport: Literal["auto", "inbox", "fcm"] = Field(
        "auto", description="auto: FCM when credentials are configured, else the inbox."
    )
    fcm_credentials: Path | None = Field(
        None, description="Service-account JSON file of the Firebase project."
    )
    fcm_project_id: str | None = Field(
        None, description="Firebase project id (default: from the credentials)."
    )
    fcm_endpoint: str | None = Field(
        None, description="Base URL of a fake FCM server (development/tests only, loopback only)."
    )
    fcm_concurrency: int = Field(
        100, ge=1, le=500, description="Messages per send_each_async call (in flight at once)."
    )
    fcm_timeout: float = Field(10.0, gt=0, le=120, description="HTTP timeout of one FCM request, seconds.")

    webpush: bool = Field(
        True,
        description="Send Web Push (RFC 8030/8291/8292) to devices that registered a Web Push subscription; "
        "false: they get the inbox.",
    )
    vapid_subject: str = Field(
        "mailto:webpush@machi.invalid",
        pattern=r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$",
        description="VAPID 'sub' claim: a contact for push services (mailto: or https: URL). Set a real one.",
    )
    vapid_key_file: Path | None = Field(
        None,
        description="The VAPID private key (PEM, created at first start); default <data_dir>/vapid/private_key.pem.",
    )
    webpush_hosts: str = Field(
        "fcm.googleapis.com,updates.push.services.mozilla.com,push.services.mozilla.com,"
        "notify.windows.com,push.apple.com",
        description="Comma-separated push-service hosts (a name also allows its subdomains) a Web Push "
        "endpoint may point at; anything else is refused at registration.  http:// only for a loopback "
        "host listed here (a fake push service in development/tests).",
    )
    webpush_timeout: float = Field(
        10.0, gt=0, le=120, description="HTTP timeout of one Web Push request, seconds."
    )
    webpush_concurrency: int = Field(50, ge=1, le=500, description="Web Push requests in flight at once.")

    web_origin: str | None = Field(
        None, description="The web app's origin allowed by CORS (e.g. https://app.example.jp)."
    )
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest accepted request body.")
    rate_register_burst: int = Field(
        300,
        ge=1,
        description="Device registrations one client address may make at once (a shared Wi-Fi, a NAT).",
    )
    rate_register_per_hour: int = Field(
        600, ge=1, description="Registrations per client address and hour once the burst is used up."
    )
    rate_device_per_minute: int = Field(240, ge=1, description="Requests per device per minute.")
    rate_auth_failures_per_minute: int = Field(
        10, ge=1, description="Failed authentications (401) per client address per minute; then 429."
    )
    rate_admin_per_minute: int = Field(
        60, ge=1, description="Staff API requests per client address per minute."
    )
    payslip_max_bytes: int = Field(
        8 * 1024 * 1024, ge=1024, description="Largest slip photo POST /v1/payslips/decode accepts (bytes)."
    )
    payslip_max_pixels: int = Field(
        40_000_000, ge=10_000, description="Largest slip photo in pixels (width x height)."
    )
    rate_payslip_per_minute: int = Field(
        30, ge=1, description="Slip photos decoded per client address per minute."
    )
    trusted_proxies: str = Field(
        "127.0.0.1,::1",
        description="Comma-separated addresses/networks whose X-Forwarded-For is honoured (the web "
        "app's server, a reverse proxy); empty: none.",
    )

    retention_outbox_days: int = Field(
        30, ge=2, description="Notifications (outbox rows) are deleted this many days after they expire."
    )
    retention_attempts_days: int = Field(
        30, ge=1, description="Delivery attempts are deleted after this many days."
    )
    retention_inbox_days: int = Field(
        30, ge=1, description="Inbox items are deleted this many days after delivery."
    )
    retention_audit_days: int = Field(
        365, ge=1, description="Audit log entries are deleted after this many days."
    )
    retention_device_days: int = Field(
        365,
        ge=1,
        description="A device not seen (no authenticated request) for this many days is removed with its "
        "subscriptions, reminders, notifications and inbox.",
    )
    retention_interval: float = Field(
        3600.0, gt=0, description="Seconds between retention runs inside the worker."
    )

    batch_size: int = Field(500, ge=1, le=500, description="Outbox rows claimed per batch (FCM max 500).")
    dispatch_processes: int = Field(
        1,
        ge=1,
        le=32,
        description="Dispatcher processes one `machi deliver` run forks on PostgreSQL (SKIP LOCKED "
        "gives each its own batches); SQLite always uses one.",
    )
    deliver_interval: float = Field(
        15.0, gt=0, description="Seconds between dispatcher runs inside `machi serve`."
    )
    plan_interval: float = Field(
        300.0, gt=0, description="Seconds between planner runs inside `machi serve`."
    )
    plan_horizon_hours: int = Field(
        26, ge=1, le=72, description="How far ahead the planner writes outbox rows."
    )
    garbage_late_minutes: int = Field(180, ge=1, description="A garbage reminder later than this is dropped.")
    app_reminder_late_minutes: int = Field(
        720, ge=1, description="An app reminder later than this is dropped."
    )
    announcement_ttl_hours: int = Field(24, ge=1, description="Default lifetime of an announcement.")
    max_attempts: int = Field(8, ge=1, description="Transient failures retried this many times.")
    auth_pause_minutes: int = Field(30, ge=1, description="Pause of a platform after THIRD_PARTY_AUTH_ERROR.")
    quota_backoff_seconds: int = Field(
        60, ge=60, description="Minimum back-off after FCM 429 (never below 60)."
    )

    @field_validator("database_url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            return None
        return v

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, v: str) -> str:
        parse_networks(v)
        return v

    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    def vapid_key_path(self) -> Path:
        return self.vapid_key_file or Path(self.data_dir) / "vapid" / "private_key.pem"

    def webpush_host_list(self) -> tuple[str, ...]:
        return tuple(h.strip().lower().rstrip(".") for h in self.webpush_hosts.split(",") if h.strip())

    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.data_dir) / 'machi.db'}"

    def uses_fcm(self) -> bool:
        if self.transport == "inbox":
            return False
        configured = bool(self.fcm_credentials or self.fcm_endpoint)
        if self.transport == "fcm" and not configured:
            raise ValueError(
                "MACHI_TRANSPORT=fcm needs MACHI_FCM_CREDENTIALS (or MACHI_FCM_ENDPOINT for a fake server)"
            )
        return configured


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
