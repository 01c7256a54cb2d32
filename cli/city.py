"""``machi city import|publish`` and ``machi places nearest`` (the city-content CLI contract, see
README.md).  Added to the one ``machi`` command by ``register`` (cli/main.py).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli.common import _slug, emit_json, err, fail, out, warn
from core.city import DEFAULT_CITY

KIND_HELP = "events, tourism, wifi, aed, childcare, evacuation (CSV or GSI GeoJSON), shelter (GSI GeoJSON)."


def _progress():
    """A rich progress bar on a terminal; nothing on a redirected stderr."""
    from rich.progress import BarColumn, Progress, TextColumn

    if not err.is_terminal:
        return nullcontext(None)
    return Progress(TextColumn("{task.description}"), BarColumn(), console=err, transient=True)


def register(app: typer.Typer) -> None:
    city_app = typer.Typer(
        no_args_is_help=True, help="City content: open-data imports and over-the-air bundles."
    )
    places_app = typer.Typer(
        no_args_is_help=True, help="Places: shelters, evacuation sites, Wi-Fi, tourism, AED."
    )
    app.add_typer(city_app, name="city")
    app.add_typer(places_app, name="places")

    @city_app.command("import")
    def city_import(
        kind: Annotated[str, typer.Argument(help=KIND_HELP)],
        path: Annotated[
            Path, typer.Argument(help="CSV (自治体標準オープンデータセット v1/v2) or GSI GeoJSON file.")
        ],
        city: Annotated[str, typer.Option("--city", help="City slug to import into.")] = DEFAULT_CITY,
        data_dir: Annotated[Path | None, typer.Option("--data-dir", help="Write DIR/cities/<city>.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the row report as JSON.")] = False,
    ) -> None:
        """Import one open-data file; print the row report (accepted, fixed, rejected). Exit 2 if nothing imported."""
        from core.opendata.kinds import IMPORT_KINDS
        from core.opendata.service import import_file

        _slug(city)
        if kind not in IMPORT_KINDS:
            fail(f"KIND: {kind!r} is not one of {', '.join(IMPORT_KINDS)}")
        with _progress() as progress:
            task = progress.add_task(f"importing {path.name}", total=3) if progress else None

            def step(message: str) -> None:
                if progress is not None:
                    progress.update(task, description=f"{path.name}: {message}", advance=1)

            report = import_file(kind, path, city=city, data_dir=data_dir, on_progress=step)
        data = report.to_json()
        if as_json:
            emit_json(data)
        else:
            out.print(
                f"{escape(path.name)} ({kind}, {data['header'] or '?'} header, {data['encoding'] or '?'}): "
                f"{data['accepted']} accepted, {len(data['fixed'])} fixed, {len(data['rejected'])} rejected",
                highlight=False,
            )
            for f in data["fixed"]:
                out.print(f"  fixed    line {f['row']}: {escape(f['what'])}", highlight=False)
            for r in data["rejected"]:
                out.print(f"  rejected line {r['row']}: {escape(r['reason'])}", highlight=False)
        if report.fatal_errors:
            for message in report.fatal_errors:
                err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
            err.print("nothing was imported", highlight=False)
            raise typer.Exit(2)

    @city_app.command("publish")
    def city_publish(
        slug: Annotated[str, typer.Argument(help="City slug.")],
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Data directory of the server.")
        ] = None,
    ) -> None:
        """Build, verify and publish the city's bundle; print its version."""
        from core.bundle import BundleInvalid, current, publish

        _slug(slug)
        before = current(slug, data_dir)
        try:
            manifest = publish(slug, data_dir)
        except BundleInvalid as exc:
            fail(str(exc))
        if before and before[0]["content_hash"] == manifest["content_hash"]:
            warn(f"nothing changed since version {manifest['version']}")
        err.print(f"bundle {manifest['content_hash'][:12]} of {slug}", highlight=False)
        out.print(str(manifest["version"]), highlight=False)

    @places_app.command("nearest")
    def places_nearest(
        kind: Annotated[
            str, typer.Option("--kind", help="evacuation, shelter, wifi, tourism, aed, childcare.")
        ],
        lat: Annotated[float, typer.Option("--lat", help="Latitude (WGS84).")],
        lon: Annotated[float, typer.Option("--lon", help="Longitude (WGS84).")],
        hazard: Annotated[
            str | None,
            typer.Option(
                "--hazard",
                help="flood, landslide, storm_surge, earthquake, tsunami, fire, inland_flood, volcano.",
            ),
        ] = None,
        limit: Annotated[int, typer.Option("--limit", help="How many (1-1000).")] = 5,
        city: Annotated[str, typer.Option("--city", help="City slug.")] = DEFAULT_CITY,
        data_dir: Annotated[
            Path | None, typer.Option("--data-dir", help="Read DIR/cities/<city> only.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the stable contract).")] = False,
    ) -> None:
        """The nearest places of a kind (optionally designated for a hazard), by great-circle distance."""
        from core.places import HAZARDS, KINDS, PlacesNotFound, compass_point, load_places, nearest

        _slug(city)
        if kind not in KINDS:
            fail(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
        if hazard is not None and hazard not in HAZARDS:
            fail(f"--hazard: {hazard!r} is not one of {', '.join(HAZARDS)}")
        if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
            fail(f"--lat/--lon: {lat}, {lon} is not a point on Earth")
        if not 1 <= limit <= 1000:
            fail(f"--limit: {limit} is not between 1 and 1000")
        try:
            places = load_places(city, data_dir)
        except PlacesNotFound as exc:
            fail(str(exc))
        hits = nearest(places, lat=lat, lon=lon, kind=kind, hazard=hazard, limit=limit)
        if as_json:
            emit_json(
                [
                    {
                        "name": p.name,
                        "lat": p.lat,
                        "lon": p.lon,
                        "distance_m": d,
                        "hazards": sorted(p.hazards),
                    }
                    for p, d, _ in hits
                ]
            )
            return
        if not hits:
            warn("no place matches")
        for p, d, b in hits:
            out.print(
                f"{d:>7} m {compass_point(b):<2} {escape(p.name)}  ({escape(p.address)})", highlight=False
            )
