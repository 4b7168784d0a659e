"""The process checker probes real HTTP endpoints on a local server."""

import json

import lambda_process_checker as checker


def test_reports_healthy_and_unhealthy_targets(http_server):
    targets = [f"{http_server}/healthy", f"{http_server}/broken", "http://127.0.0.1:9/closed"]
    result = checker.handler({"targets": targets}, None)
    assert result == {"checked": 3, "healthy": 1, "unhealthy": targets[1:]}


def test_targets_from_environment_and_expected_status(http_server, monkeypatch):
    monkeypatch.setenv("CHECK_TARGETS", f"{http_server}/missing, {http_server}/healthy")
    monkeypatch.setenv("EXPECT_STATUS", "404")
    result = checker.handler({}, None)
    assert result == {"checked": 2, "healthy": 1, "unhealthy": [f"{http_server}/healthy"]}


def test_each_probe_is_logged_as_one_json_line(http_server, caplog):
    checker.handler({"targets": [f"{http_server}/broken"]}, None)
    probes = [r for r in caplog.records if r.getMessage() == "probe"]
    assert len(probes) == 1
    # Format with the logger's own (Powertools JSON) formatter: one object per line.
    line = checker.logger.registered_formatter.format(probes[0])
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["status"] == 500 and logged["healthy"] is False
    assert logged["level"] == "WARNING" and logged["service"] == "process_checker"
