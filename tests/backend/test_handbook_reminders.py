"""Handbook reminders on the app-owned reminders API: schedule ids as codes, nothing personal."""

from __future__ import annotations

import pytest

from backend.reminders import templates
from core.handbook.schedule import vaccine_ids
from tests.backend.conftest import register


def test_every_schedule_vaccine_is_a_template_code():
    assert set(vaccine_ids()) <= set(templates.VACCINES)


@pytest.mark.parametrize("lang", ["ja", "ja@easy", "en", "pt_BR", "vi", "tl", "zh_Hans", "ko", "es"])
@pytest.mark.parametrize("code", ["rota1", "rota5", "mr1", "mr2", "var", "je1", "je2", "dt2"])
def test_handbook_codes_render_translated(code, lang):
    title, body = templates.render("vaccination_due", {"vaccine": code, "dose": 2}, lang)
    english = templates.render("vaccination_due", {"vaccine": code, "dose": 2}, "en")
    if lang != "en":
        assert title != english[0] and body != english[1]
        assert templates.VACCINES[code] not in body  # the vaccine's name is translated too
    assert "2" in body


def test_put_handbook_reminders(client):
    device_id, headers = register(client, "ja")
    url = f"/v1/devices/{device_id}/reminders"
    item = {
        "occurrence_key": "hb:Zx3-k_9QpL2mA1bC:mr1:1",
        "send_at": "2030-05-07T00:00:00Z",
        "template": "vaccination_due",
        "params": {"vaccine": "mr1", "dose": 1},
    }
    r = client.put(url, headers=headers, json=[item])
    assert r.status_code == 200, r.text
    bad = {**item, "params": {"vaccine": "mr1", "dose": 1, "birth_date": "2025-07-31"}}
    assert client.put(url, headers=headers, json=[bad]).status_code == 422
