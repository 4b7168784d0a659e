import pytest

from worker_lib.config import ConfigError, env_float, env_list, env_str
from worker_lib.jsonl import gzip_jsonl, read_jsonl_gz


def test_gzip_jsonl_is_byte_stable_and_round_trips():
    records = [{"b": 1, "a": [1, 2]}, {"z": None}]
    assert gzip_jsonl(records) == gzip_jsonl(list(records))
    assert read_jsonl_gz(gzip_jsonl(records)) == records


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("X_LIST", " a, b ,,c ")
    monkeypatch.setenv("X_NUM", "oops")
    assert env_list("X_LIST") == ["a", "b", "c"]
    assert env_list("X_UNSET") == []
    assert env_str("X_UNSET", "dflt") == "dflt"
    with pytest.raises(ConfigError, match="X_UNSET"):
        env_str("X_UNSET")
    with pytest.raises(ConfigError, match="X_NUM"):
        env_float("X_NUM", 1.0)
