"""Worker heartbeats: fresh, stale and missing, as the liveness probe sees them."""

import time

from rectify_shared import heartbeat


def test_a_fresh_heartbeat_is_alive_and_a_stale_one_is_not(tmp_path):
    heartbeat.write_heartbeat(tmp_path, "notifier", now=1_000.0)
    assert heartbeat.check(tmp_path, "notifier", 60, now=1_030.0)[0] is True
    ok, line = heartbeat.check(tmp_path, "notifier", 60, now=1_090.0)
    assert ok is False and "90 s" in line and "心跳已超时" in line


def test_a_worker_that_never_beat_is_not_alive(tmp_path):
    ok, line = heartbeat.check(tmp_path, "report-worker", 60)
    assert ok is False and "no heartbeat" in line


def test_each_service_has_its_own_heartbeat(tmp_path):
    heartbeat.write_heartbeat(tmp_path, "notifier")
    assert heartbeat.check(tmp_path, "notifier", 60)[0] is True
    assert heartbeat.check(tmp_path, "report-worker", 60)[0] is False


def test_beat_writes_at_most_once_per_interval(tmp_path):
    beat = heartbeat.Beat(tmp_path, "notifier", every=3600)
    beat()
    first = heartbeat.heartbeat_path(tmp_path, "notifier").read_text()
    time.sleep(0.01)
    beat()
    assert heartbeat.heartbeat_path(tmp_path, "notifier").read_text() == first


def test_the_probe_command_exits_by_the_heartbeat_age(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RECTIFY_HEARTBEAT_DIR", str(tmp_path))
    assert heartbeat.main(["notifier", "--max-age", "60"]) == 1
    heartbeat.write_heartbeat(tmp_path, "notifier")
    assert heartbeat.main(["notifier", "--max-age", "60"]) == 0
    heartbeat.write_heartbeat(tmp_path, "notifier", now=time.time() - 120)
    assert heartbeat.main(["notifier", "--max-age", "60"]) == 1
    assert "心跳已超时" in capsys.readouterr().out
