"""Periodic work of the alerts domain: polling JMA's Atom feed (network off unless MACHI_JMA_FEED_URL is set).

JMA's rules (xml.kishou.go.jp/xmlpull.html, docs/ARCHITECTURE.md): the feed at most once a minute
with a conditional GET (If-Modified-Since / If-None-Match), and never a document twice (JMA blocks
heavy downloaders) - a document's URL is recorded before it is applied, whatever it holds.  Only the
entries of the offices of this server's cities whose titles are weather warnings are fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backend.alerts import service
from backend.alerts.models import JmaDocument
from backend.db import utcnow
from core.alerts import jma

log = logging.getLogger("machi.alerts")
ATOM = {"a": "http://www.w3.org/2005/Atom"}
MIN_INTERVAL = dt.timedelta(seconds=60)
WARNING_TITLES = frozenset(jma.R06_TITLES) | frozenset(jma.H27_TITLES)


def feed_url() -> str | None:
    """MACHI_JMA_FEED_URL (e.g. https://www.data.jma.go.jp/developer/xml/feed/extra.xml), None: no network."""
    return os.environ.get("MACHI_JMA_FEED_URL", "").strip() or None


@dataclass(frozen=True)
class Entry:
    title: str
    office: str
    url: str


def entries(feed: bytes) -> list[Entry]:
    """The entries of an Atom feed (namespace-aware); raises ValueError for anything else."""
    try:
        root = ET.fromstring(feed)
    except ET.ParseError as exc:
        raise ValueError(f"the feed is not XML: {exc}") from None
    if root.tag != f"{{{ATOM['a']}}}feed":
        raise ValueError(f"not an Atom feed (root element {root.tag})")
    out = []
    for e in root.findall("a:entry", ATOM):
        link = e.find("a:link", ATOM)
        url = (link.get("href") if link is not None else None) or e.findtext("a:id", "", ATOM)
        out.append(
            Entry(
                (e.findtext("a:title", "", ATOM)).strip(),
                (e.findtext("a:author/a:name", "", ATOM)).strip(),
                url.strip(),
            )
        )
    return out


@dataclass
class PollReport:
    status: str  # skipped (too soon) | not-modified | read
    fetched: list[str] = field(default_factory=list)
    alerts: int = 0


@dataclass
class Poller:
    """One poller per worker: remembers the feed's validators and the time of the last request."""

    engine: Engine
    url: str
    client: httpx.Client
    last_request: dt.datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    seen: set[str] = field(
        default_factory=set
    )  # URLs fetched by this worker (also those whose content repeats)

    def poll(self, now: dt.datetime | None = None) -> PollReport:
        now = now or utcnow()
        if self.last_request is not None and now - self.last_request < MIN_INTERVAL:
            return PollReport("skipped")
        self.last_request = now
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        resp = self.client.get(self.url, headers=headers)
        if resp.status_code == 304:
            return PollReport("not-modified")
        resp.raise_for_status()
        self.etag = resp.headers.get("ETag") or self.etag
        self.last_modified = resp.headers.get("Last-Modified") or self.last_modified
        offices = {a.office for a in service.jma_areas() if a.office}
        wanted = [
            e for e in entries(resp.content) if e.title in WARNING_TITLES and e.office in offices and e.url
        ]
        report = PollReport("read")
        with Session(self.engine, expire_on_commit=False) as db:
            known = set(
                db.scalars(select(JmaDocument.url).where(JmaDocument.url.in_([e.url for e in wanted])))
            )
            for e in wanted:
                if e.url in known or e.url in self.seen:
                    continue
                if len(self.seen) > 20_000:
                    self.seen.clear()  # the feed covers minutes; the database remembers the rest
                self.seen.add(e.url)
                data = self.client.get(e.url).content
                report.fetched.append(e.url)
                try:
                    report.alerts += len(service.ingest(db_session=db, data=data, url=e.url, now=now).alerts)
                except jma.NotJmaDocument as exc:  # recorded all the same: never fetched again
                    log.warning("JMA document %s unreadable: %s", e.url, exc)
                    db.rollback()
                    db.merge(
                        JmaDocument(
                            sha256=hashlib.sha256(data).hexdigest(),
                            url=e.url,
                            title=e.title[:100],
                            office=e.office[:50],
                            issued_at=now,
                            received_at=now,
                            changes=0,
                        )
                    )
                    db.commit()
        return report


def poller(engine: Engine) -> Poller | None:
    """The worker's poller, or None when MACHI_JMA_FEED_URL is not set (no network access)."""
    url = feed_url()
    if url is None:
        return None
    return Poller(
        engine,
        url,
        httpx.Client(
            timeout=20,
            follow_redirects=True,
            headers={"User-Agent": "machi (+https://github.com/) JMA reader"},
        ),
    )
