"""News from RSS/Atom feeds (feedparser), fetched with conditional GET, kept in ``news.json``.

A city lists its feeds in ``city.json`` as ``"news_feeds": [{"url": ..., "language": "ja"}]``;
fetching is off unless ``MACHI_NEWS_FETCH=1`` (tests and air-gapped servers make no requests).
The validators of each feed (ETag, Last-Modified) are kept in ``news-state.json`` beside it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from pathlib import Path

import feedparser
import httpx

from core.city import write_json_atomic

NEWS_FORMAT = "machi-news/1"
MAX_ITEMS = 200


def parse_feed(content: bytes, *, source: str, language: str = "ja") -> list[dict]:
    """Items of one RSS or Atom document, newest first."""
    feed = feedparser.parse(content)
    if feed.bozo and not feed.entries:
        raise ValueError(f"{source}: not an RSS/Atom feed ({feed.bozo_exception})")
    items = []
    for e in feed.entries:
        link = e.get("link", "")
        published = None
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        if stamp:
            published = dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.UTC).isoformat(
                timespec="seconds"
            )
        ident = e.get("id") or link or e.get("title", "")
        items.append(
            {
                "id": hashlib.sha256(f"{source}\n{ident}".encode()).hexdigest()[:16],
                "title": (e.get("title") or "").strip(),
                "link": link,
                "published": published,
                "summary": (e.get("summary") or "").strip(),
                "language": language,
                "source": source,
            }
        )
    return sorted(items, key=lambda i: i["published"] or "", reverse=True)


def load_news(city_dir: Path) -> list[dict]:
    path = city_dir / "news.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text("utf-8"))
    return data.get("items", []) if data.get("format") == NEWS_FORMAT else []


def merge(old: list[dict], new: list[dict]) -> list[dict]:
    by_id = {i["id"]: i for i in old}
    by_id.update({i["id"]: i for i in new})
    return sorted(by_id.values(), key=lambda i: i["published"] or "", reverse=True)[:MAX_ITEMS]


def refresh(city_dir: Path, feeds: list[dict], *, client: httpx.Client) -> int:
    """Fetch every feed with If-None-Match / If-Modified-Since; returns how many new items were kept."""
    state_file = city_dir / "news-state.json"
    state = json.loads(state_file.read_text("utf-8")) if state_file.is_file() else {}
    items = load_news(city_dir)
    known = {i["id"] for i in items}
    fresh: list[dict] = []
    for feed in feeds:
        url = feed["url"]
        headers = {}
        if etag := state.get(url, {}).get("etag"):
            headers["If-None-Match"] = etag
        if modified := state.get(url, {}).get("last_modified"):
            headers["If-Modified-Since"] = modified
        resp = client.get(url, headers=headers)
        if resp.status_code == 304:
            continue
        resp.raise_for_status()
        fresh += parse_feed(resp.content, source=url, language=feed.get("language", "ja"))
        state[url] = {
            k: v
            for k, v in (
                ("etag", resp.headers.get("etag")),
                ("last_modified", resp.headers.get("last-modified")),
            )
            if v
        }
    new = [i for i in fresh if i["id"] not in known]
    if fresh:
        write_json_atomic(city_dir / "news.json", {"format": NEWS_FORMAT, "items": merge(items, fresh)})
    write_json_atomic(state_file, state)
    return len(new)
