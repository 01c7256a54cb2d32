"""The city's alerts from the backend: ``GET /v1/cities/{city}/alerts`` (public, no device needed)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from app.services.backend import BackendClient, BackendError


async def fetch_city_alerts(client: BackendClient, city: str, lang: str, limit: int = 50) -> dict:
    """Alerts in force, open shelters and history in ``lang``; BackendError / BackendUnavailable otherwise."""
    query = urlencode({"lang": lang, "limit": limit})
    data = await client._request("GET", f"/v1/cities/{quote(city, safe='')}/alerts?{query}")
    if not isinstance(data, dict) or not isinstance(data.get("active"), list):
        raise BackendError(200, "bad_response", f"the alerts of {city} answered {data!r}")
    return data
