"""Open-data sources a city lists in ``city.json``, refreshed on a schedule with conditional GET.

    "opendata_sources": [{"kind": "events", "url": "https://…/<団体コード>_event.csv"}, …]

Each download that changed (not 304) goes through the same import as ``machi city import``: the
row report is logged, and a fatal one changes nothing. ETag / Last-Modified are kept per URL in
``opendata-state.json`` beside the city's data.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

import httpx

from core.city import write_json_atomic
from core.opendata.report import RowReport
from core.opendata.service import import_file

log = logging.getLogger("machi.backend")


def refresh(city_dir: Path, sources: list[dict], *, client: httpx.Client) -> list[RowReport]:
    """Fetch every changed source and import it into ``city_dir``; the reports of the imports run."""
    state_file = city_dir / "opendata-state.json"
    state = json.loads(state_file.read_text("utf-8")) if state_file.is_file() else {}
    reports = []
    for source in sources:
        kind, url = source["kind"], source["url"]
        headers = {}
        if etag := state.get(url, {}).get("etag"):
            headers["If-None-Match"] = etag
        if modified := state.get(url, {}).get("last_modified"):
            headers["If-Modified-Since"] = modified
        resp = client.get(url, headers=headers)
        if resp.status_code == 304:
            continue
        resp.raise_for_status()
        suffix = Path(url.split("?")[0]).suffix or ".csv"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{kind}{suffix}"
            path.write_bytes(resp.content)
            report = import_file(kind, path, city=city_dir.name, data_dir=city_dir.parent.parent)
        report.file = url
        reports.append(report)
        if report.fatal_errors:
            log.warning("open data %s (%s): nothing imported: %s", url, kind, "; ".join(report.fatal_errors))
            continue  # validators not kept: the next run tries again
        log.info(
            "open data %s (%s): %d accepted, %d fixed, %d rejected",
            url,
            kind,
            len(report.accepted),
            len(report.fixed),
            len(report.rejected),
        )
        state[url] = {
            k: v
            for k, v in (
                ("etag", resp.headers.get("etag")),
                ("last_modified", resp.headers.get("last-modified")),
            )
            if v
        }
    write_json_atomic(state_file, state)
    return reports
