"""Handbook records, growth percentiles / WHO z-scores, JSON and FHIR R4 exchange."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json

import pytest

from core.handbook import fhir, growth
from core.handbook.model import (
    Birth,
    Checkup,
    Child,
    Guardian,
    Handbook,
    HandbookError,
    Measurement,
    Note,
    Pregnancy,
    PregnancyVisit,
    Vaccination,
    load_handbook,
)

D = dt.date


def sample() -> Handbook:
    child = Child(
        name="さくら",
        sex="female",
        birth_date=D(2025, 7, 31),
        reminders=True,
        birth=Birth(
            gestational_weeks=39,
            gestational_days=2,
            weight_kg=3.02,
            length_cm=49.0,
            head_cm=33.0,
            chest_cm=32.0,
            delivery="経腟分娩",
        ),
        checkups=[
            Checkup(
                kind="1m",
                date=D(2025, 8, 30),
                weight_kg=4.1,
                height_cm=53.2,
                head_cm=36.4,
                findings="異常なし",
                answers={"smiles": True},
            )
        ],
        growth=[
            Measurement(date=D(2025, 9, 1), weight_kg=4.5, height_cm=54.0, head_cm=37.0),
            Measurement(date=D(2025, 10, 1), weight_kg=5.4),
        ],
        vaccinations=[
            Vaccination(vaccine="hepb", dose=1, date=D(2025, 9, 30), lot="AB12", clinic="こども医院"),
            Vaccination(vaccine="pcv", dose=1, date=D(2025, 9, 30), product="PCV20"),
        ],
        notes=[Note(date=D(2025, 8, 5), text="はじめて笑った")],
    )
    brother = Child(name="Ken", sex="male", birth_date=D(2023, 2, 28))
    return Handbook(
        guardians=[Guardian(name="母", relation="mother")],
        pregnancies=[
            Pregnancy(
                due_date=D(2025, 8, 2),
                visits=[
                    PregnancyVisit(
                        date=D(2025, 3, 1),
                        week=20,
                        weight_kg=58.2,
                        bp_systolic=112,
                        bp_diastolic=70,
                        urine_protein="-",
                        urine_sugar="-",
                    )
                ],
            )
        ],
        children=[child, brother],
    )


# ------------------------------------------------------------------ growth
def test_band_at_a_band_midpoint_uses_the_table():
    # girls 3-4 months (midpoint 3.5): p50 and p75 of the 2023 table
    cuts = growth.percentiles_at("weight", "female", 3.5)
    assert cuts[3] == pytest.approx(6.19, abs=0.2)
    assert growth.band("weight", "female", 3.5, cuts[3] + 0.01) == "p50-p75"
    assert growth.band("weight", "female", 3.5, cuts[0] - 0.01) == "<p3"
    assert growth.band("weight", "female", 3.5, cuts[-1] + 0.01) == ">p97"


def test_interpolation_between_midpoints():
    a, b = growth.percentiles_at("height", "male", 1.5), growth.percentiles_at("height", "male", 2.5)
    mid = growth.percentiles_at("height", "male", 2.0)
    assert all(x == pytest.approx((p + q) / 2) for x, p, q in zip(mid, a, b, strict=True))


def test_every_band_name_reachable_and_ordered():
    cuts = growth.percentiles_at("head", "male", 6.5)
    values = [cuts[0] - 1] + [(x + y) / 2 for x, y in zip(cuts, cuts[1:], strict=False)] + [cuts[-1] + 1]
    assert [growth.band("head", "male", 6.5, v) for v in values] == list(growth.BANDS)


def test_head_reference_stops_at_3_years():
    assert growth.max_months("head", "male") == 36
    with pytest.raises(growth.GrowthError, match="0 to 36"):
        growth.band("head", "male", 40, 50.0)


def test_who_z_median_is_zero_and_sd():
    assert growth.who_z("weight", "male", 0, 3.3464) == pytest.approx(0, abs=1e-6)
    assert growth.who_z("weight", "male", 0, 2.5) < -1.5
    assert growth.z_to_percentile(0) == pytest.approx(50)


def test_plausibility_never_silently_accepts_35_kg_at_3_months():
    assert growth.plausibility("weight", "male", 3, 35) == "impossible"
    assert growth.plausibility("weight", "male", 3, 9.5) == "unusual"
    assert growth.plausibility("weight", "male", 3, 6.2) == "ok"
    assert growth.plausibility("height", "female", 12, 20) == "impossible"


# ------------------------------------------------------------------ model and JSON
def test_json_round_trip():
    book = sample()
    assert load_handbook(book.to_json()) == book


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["children"][0].update(sex="x"), "sex"),
        (lambda d: d["children"][0]["growth"][0].update(date="2025-07-01"), "before the birth"),
        (lambda d: d["children"][0]["vaccinations"][0].update(vaccine="flu"), "unknown vaccine"),
        (lambda d: d["children"][0]["vaccinations"][1].update(date="2025-09-01"), "pcv:1:2025-09-01"),
        (lambda d: d.update(schema_version=99), "newer"),
        (lambda d: d["children"][0]["growth"][1].update(weight_kg=None), "needs a weight"),
        (lambda d: d["children"][1].update(id=d["children"][0]["id"]), "same id"),
    ],
)
def test_broken_documents_are_refused_with_the_reason(mutate, message):
    raw = sample().to_dict()
    mutate(raw)
    with pytest.raises(HandbookError, match=message):
        load_handbook(raw)


def test_future_records_refused_when_today_is_known():
    with pytest.raises(HandbookError, match="future"):
        load_handbook(sample().to_dict(), today=D(2025, 9, 15))


def test_truncated_json_refused():
    text = sample().to_json()
    with pytest.raises(HandbookError, match="not a JSON"):
        load_handbook(text[: len(text) // 2])


# ------------------------------------------------------------------ FHIR
def test_fhir_bundle_is_structurally_valid_and_minimal():
    bundle = fhir.to_bundle(sample())
    assert fhir.validate_bundle(bundle) == []
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 2 and kinds.count("Immunization") == 2
    assert kinds.count("Observation") == 4 and kinds.count("Binary") == 1
    patient = bundle["entry"][0]["resource"]
    assert set(patient) == {"resourceType", "meta", "identifier", "name", "gender", "birthDate"}
    imm = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Immunization")
    assert imm["meta"]["profile"] == [fhir.JP + "JP_Immunization"]
    assert imm["protocolApplied"][0]["doseNumberPositiveInt"] == 1 and imm["lotNumber"] == "AB12"
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert {o["code"]["coding"][0]["code"] for o in obs} == {"29463-7", "8302-2", "9843-4"}
    assert all(o["valueQuantity"]["system"] == "http://unitsofmeasure.org" for o in obs)
    json.dumps(bundle)  # serialisable


def test_fhir_round_trip_is_identical():
    book = sample()
    again = fhir.from_bundle(json.loads(json.dumps(fhir.to_bundle(book))))
    assert again == book
    assert again.to_json() == book.to_json()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.update(resourceType="Patient"), "not a FHIR Bundle"),
        (lambda b: b["entry"][0]["resource"].update(birthDate="31/07/2025"), "birthDate"),
        (lambda b: b["entry"][2]["resource"].pop("status"), "status"),
        (lambda b: b["entry"][2]["resource"]["patient"].update(reference="urn:uuid:nobody"), "patient"),
        (lambda b: b["entry"][2]["resource"].update(protocolApplied=[]), "doseNumber"),
        (lambda b: b["entry"][-1]["resource"].update(data=base64.b64encode(b"{").decode()), "damaged"),
    ],
)
def test_fhir_broken_bundles_refused(mutate, message):
    bundle = copy.deepcopy(fhir.to_bundle(sample()))
    assert bundle["entry"][2]["resource"]["resourceType"] == "Immunization"
    mutate(bundle)
    with pytest.raises(HandbookError, match=message):
        fhir.from_bundle(bundle)
