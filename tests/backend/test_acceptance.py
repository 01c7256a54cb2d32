"""Issue 3, done-when: `machi serve` starts without credentials (inbox transport); a device
registered over HTTP with a garbage subscription gets its reminder in its inbox at the
planned time in its language.  The clock is controlled with `machi deliver --now`."""

from __future__ import annotations

import json

import httpx

from tests.backend.conftest import cli_env, free_port, machi, machi_popen, wait_until


def test_serve_register_subscribe_deliver_inbox_in_device_language(db_url, tmp_path):
    data_dir = tmp_path / "served"
    env = cli_env(db_url, data_dir)
    if db_url.startswith("sqlite"):
        env.pop("MACHI_DATABASE_URL")  # the embedded default: <data-dir>/machi.db
    port = free_port()
    server = machi_popen("serve", "--port", str(port), "--data-dir", str(data_dir), "--no-worker", env=env)
    try:
        base = f"http://127.0.0.1:{port}"

        def up():
            try:
                return httpx.get(f"{base}/v1/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                assert server.poll() is None, server.stderr.read()
                return False

        wait_until(up, 60, "machi serve to answer")
        health = httpx.get(f"{base}/v1/health").json()
        assert health["transport"] == "inbox"
        if db_url.startswith("sqlite"):
            assert health["database"] == "sqlite" and (data_dir / "machi.db").is_file()

        with httpx.Client(base_url=base, timeout=10) as http:
            r = http.post(
                "/v1/devices",
                json={
                    "push_token": None,
                    "platform": "web",
                    "locale": "vi",
                    "timezone": "Asia/Tokyo",
                    "app_version": "1.2.0",
                },
            )
            assert r.status_code == 201
            device = r.json()
            assert set(device) == {"id", "secret"}
            auth = {"Authorization": f"Bearer {device['secret']}"}
            # 旭ヶ丘: burnable on Mon and Thu; Thursday 2014-05-08 -> reminder Wed 2014-05-07 19:00 JST.
            r = http.put(
                f"/v1/devices/{device['id']}/subscriptions/garbage",
                headers=auth,
                json={
                    "city": "matsusaka",
                    "area_id": "a198c8301",
                    "time": "19:00",
                    "day_offset": -1,
                    "categories": None,
                },
            )
            assert r.status_code == 200, r.text
            assert http.get(f"/v1/devices/{device['id']}/inbox").status_code == 401

            # One minute early: planned, not yet due.
            machi("deliver", "--now", "2014-05-07T18:59+09:00", "--data-dir", str(data_dir), env=env)
            assert http.get(f"/v1/devices/{device['id']}/inbox", headers=auth).json() == {"items": []}

            machi("deliver", "--now", "2014-05-07T19:00+09:00", "--data-dir", str(data_dir), env=env)
            items = http.get(f"/v1/devices/{device['id']}/inbox", headers=auth).json()["items"]
            assert len(items) == 1
            item = items[0]
            assert {"id", "title", "body", "created_at"} <= set(item)
            assert item["title"] == "Ngày mai là ngày đổ rác"
            assert "Rác cháy được" in item["body"] and "8 thg 5" in item["body"]
            assert item["created_at"].startswith("2014-05-07T10:00:00")

            # Replaying the slot does not deliver it twice; acknowledging empties the inbox.
            machi("deliver", "--now", "2014-05-07T19:01+09:00", "--data-dir", str(data_dir), env=env)
            assert len(http.get(f"/v1/devices/{device['id']}/inbox", headers=auth).json()["items"]) == 1
            r = http.post(f"/v1/devices/{device['id']}/inbox/ack", headers=auth, json={"ids": [item["id"]]})
            assert r.json() == {"acknowledged": 1}
            assert http.get(f"/v1/devices/{device['id']}/inbox", headers=auth).json() == {"items": []}
            # Staff see how long the city's data lasts (the bundled calendar ended in 2014).
            stats = json.loads(machi("admin", "stats", "--json", "--data-dir", str(data_dir), env=env).stdout)
            assert stats["devices"] == 1 and stats["outbox"]["sent"] == 1
            matsusaka = next(c for c in stats["garbage_data"] if c["city"] == "matsusaka")
            assert (matsusaka["valid_to"], matsusaka["status"]) == ("2014-09-30", "ended")
            assert any(
                w.startswith("matsusaka: the garbage data ended on 2014-09-30") for w in stats["warnings"]
            )
    finally:
        server.terminate()
        _, log = server.communicate(timeout=20)
    assert "garbage data: matsusaka: the garbage data ended on 2014-09-30" in log  # at start
