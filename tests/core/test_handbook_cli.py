"""The handbook CLI contract: `machi vaccines plan`, `machi growth`, `machi handbook export|import`."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.core.test_handbook import sample

runner = CliRunner()
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def run(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def test_plan_shape():
    rows = json.loads(
        run(
            "vaccines",
            "plan",
            "--birth",
            "2025-07-31",
            "--given",
            "hepb:1:2025-10-01",
            "--given",
            "pcv:1:2025-09-30",
            "--on",
            "2025-11-15",
            "--lang",
            "en",
            "--json",
        ).stdout
    )
    keys = {
        "vaccine",
        "dose",
        "earliest",
        "recommended_from",
        "recommended_to",
        "eligible_until",
        "status",
        "reason",
    }
    for r in rows:
        assert keys <= set(r)
        assert isinstance(r["vaccine"], str) and isinstance(r["dose"], int) and isinstance(r["reason"], str)
        for k in ("earliest", "recommended_from", "recommended_to", "eligible_until"):
            assert DATE.match(r[k]), (k, r)
        assert r["status"] in ("done", "due", "upcoming", "overdue", "ineligible")
    hepb2 = next(r for r in rows if r["vaccine"] == "hepb" and r["dose"] == 2)
    assert hepb2["status"] == "due" and hepb2["earliest"] == "2025-10-29"
    assert {r["vaccine"] for r in rows} >= {
        "hepb",
        "rota1",
        "rota5",
        "dpt_ipv_hib",
        "pcv",
        "bcg",
        "mr1",
        "mr2",
        "var",
        "je1",
        "je2",
        "dt2",
        "hpv",
    }


def test_plan_reasons_in_japanese():
    rows = json.loads(
        run(
            "vaccines",
            "plan",
            "--birth",
            "2025-07-31",
            "--given",
            "dpt_ipv_hib:1:2025-10-01",
            "--on",
            "2025-10-05",
            "--json",
        ).stdout
    )
    d2 = next(r for r in rows if r["vaccine"] == "dpt_ipv_hib" and r["dose"] == 2)
    assert "20日" in d2["reason"]


@pytest.mark.parametrize("given", ["hepb:1:2025-07-01", "flu:1:2025-09-01", "pcv:1:2025-09-29"])
def test_plan_bad_given_exits_2_naming_it(given):
    result = run(
        "vaccines", "plan", "--birth", "2025-07-31", "--given", given, "--on", "2025-11-15", "--json", code=2
    )
    assert given in result.stderr


def test_plan_long_illness_extension_and_hpv_product():
    args = ["vaccines", "plan", "--birth", "2020-01-10", "--on", "2025-06-01", "--json"]
    mr1 = lambda rows: next(r for r in rows if r["vaccine"] == "mr1")  # noqa: E731
    assert mr1(json.loads(run(*args).stdout))["status"] == "ineligible"
    rows = json.loads(run(*args, "--illness-ended", "2024-06-01", "--lang", "en").stdout)
    assert mr1(rows)["status"] == "overdue" and mr1(rows)["eligible_until"] == "2026-05-31"
    assert "long-term illness" in mr1(rows)["reason"]
    bad = run(*args, "--illness-ended", "2024-02-30", code=2)
    assert "--illness-ended" in bad.stderr
    girl = ["vaccines", "plan", "--birth", "2012-05-01", "--sex", "female", "--on", "2025-06-10", "--json"]
    mixed = run(*girl, "--given", "hpv:1:2025-05-01:2vHPV", "--given", "hpv:2:2025-06-10:4vHPV", code=2)
    assert "hpv:2:2025-06-10:4vHPV" in mixed.stderr


def test_plan_default_today_runs():
    assert json.loads(run("vaccines", "plan", "--birth", "2025-07-31", "--json").stdout)


def test_growth_shape():
    data = json.loads(
        run(
            "growth",
            "--sex",
            "male",
            "--birth",
            "2025-07-31",
            "--on",
            "2025-11-01",
            "--weight-kg",
            "6.5",
            "--head-cm",
            "41",
            "--json",
        ).stdout
    )
    assert set(data) == {"weight", "head"}
    assert data["weight"]["value"] == 6.5 and data["weight"]["band"] == "p50-p75"
    assert data["head"]["band"] in (
        "<p3",
        "p3-p10",
        "p10-p25",
        "p25-p50",
        "p50-p75",
        "p75-p90",
        "p90-p97",
        ">p97",
    )


def test_growth_errors():
    run("growth", "--sex", "x", "--birth", "2025-07-31", "--on", "2025-11-01", "--weight-kg", "6", code=2)
    run("growth", "--sex", "male", "--birth", "2025-07-31", "--on", "2025-11-01", code=2)
    r = run(
        "growth", "--sex", "male", "--birth", "2020-01-01", "--on", "2025-11-01", "--head-cm", "50", code=2
    )
    assert "--head-cm" in r.stderr


@pytest.mark.parametrize("fmt", ["json", "fhir"])
def test_export_import_round_trip(tmp_path, fmt):
    store, src, out = tmp_path / "store", tmp_path / "in.json", tmp_path / "out.json"
    book = sample()
    src.write_text(
        book.to_json()
        if fmt == "json"
        else json.dumps(__import__("core.handbook.fhir").handbook.fhir.to_bundle(book))
    )
    run("handbook", "import", str(src), "--format", fmt, "--store", str(store))
    raw = (store / "handbook.vault").read_bytes()
    assert "さくら".encode() not in raw and b"AB12" not in raw  # not readable as plain text
    run("handbook", "export", str(out), "--format", "json", "--store", str(store))
    assert json.loads(out.read_text()) == book.to_dict()


@pytest.mark.parametrize("damage", ["truncate", "bad_vaccine", "not_json", "fhir_truncated"])
def test_broken_import_leaves_store_unchanged(tmp_path, damage):
    store, good, bad = tmp_path / "store", tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(sample().to_json())
    run("handbook", "import", str(good), "--store", str(store))
    before = (store / "handbook.vault").read_bytes()
    text = sample().to_json()
    fmt = "json"
    if damage == "truncate":
        text = text[: len(text) * 2 // 3]
    elif damage == "bad_vaccine":
        text = text.replace('"hepb"', '"hepx"')
    elif damage == "not_json":
        text = "\x00\x01garbage"
    else:
        from core.handbook import fhir

        text = json.dumps(fhir.to_bundle(sample()))[:-200]
        fmt = "fhir"
    bad.write_text(text)
    r = run("handbook", "import", str(bad), "--format", fmt, "--store", str(store), code=2)
    assert "nothing was changed" in r.stderr
    assert (store / "handbook.vault").read_bytes() == before
    assert sorted(p.name for p in store.iterdir()) == ["handbook.vault", "vault.key"]
