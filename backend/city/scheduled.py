"""Periodic work of city content: refresh the configured news feeds and open-data sources
(conditional GET).

Both are listed per city in ``city.json`` (``news_feeds``, ``opendata_sources``); nothing is fetched
unless ``MACHI_NEWS_FETCH=1``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import httpx

from backend.city import news, sources
from backend.scheduler import job
from backend.settings import Settings

log = logging.getLogger("machi.backend")


def configured_feeds(data_dir: Path, key: str = "news_feeds") -> dict[Path, list[dict]]:
    """city folder -> its ``key`` list, for every city in the data directory that lists some."""
    out = {}
    for meta in sorted((Path(data_dir) / "cities").glob("*/city.json")):
        feeds = json.loads(meta.read_text("utf-8")).get(key) or []
        if feeds:
            out[meta.parent] = feeds
    return out


@job("city.news")
def refresh_news(
    *, db_session, settings: Settings, now: dt.datetime, client: httpx.Client | None = None
) -> int:
    """Fetch every configured feed (when MACHI_NEWS_FETCH=1). Deletes no rows: returns 0 (new items are logged)."""
    if client is None and os.environ.get("MACHI_NEWS_FETCH") != "1":
        return 0
    total = 0
    own = client is None
    client = client or httpx.Client(timeout=20, follow_redirects=True, headers={"User-Agent": "machi/1"})
    try:
        for folder, feeds in configured_feeds(settings.data_dir).items():
            try:
                total += news.refresh(folder, feeds, client=client)
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("news of %s: %s", folder.name, exc)
        for folder, listed in configured_feeds(settings.data_dir, "opendata_sources").items():
            try:
                sources.refresh(folder, listed, client=client)
            except (httpx.HTTPError, ValueError, OSError) as exc:
                log.warning("open data of %s: %s", folder.name, exc)
    finally:
        if own:
            client.close()
    if total:
        log.info("news: %d new items", total)
    return 0
