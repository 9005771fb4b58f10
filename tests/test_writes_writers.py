"""server/writers.py and `mgkg writers`: named writers, hashed tokens, the update_token as writer `editor`."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.core.config import Settings, load_settings
from server.cli import cli
from server.writers import (
    EDITOR,
    WritersError,
    add_writer,
    authenticate,
    hash_token,
    matches,
    read_file,
    read_setting,
    remove_writer,
    writers_path,
    writes_enabled,
)


def test_hashes_match_their_token_only() -> None:
    for method in ("sha256", "scrypt"):
        stored = hash_token("t0ken", method)
        assert stored.startswith(method + ":")
        assert matches("t0ken", stored) and not matches("t0ken2", stored)
    assert hash_token("t", "scrypt") != hash_token("t", "scrypt")  # salted
    assert not matches("t", "scrypt:0:8:1:00:00")  # parameters scrypt refuses match nothing


def test_add_stores_only_the_hash_and_authenticates(tmp_path: Path) -> None:
    path = tmp_path / "data" / "writers.toml"
    token = add_writer(path, "alice")
    assert len(token) >= 40 and token not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    settings = Settings(data_dir=tmp_path / "data")
    assert writers_path(settings) == path and writes_enabled(settings)
    assert authenticate(settings, token) == "alice"
    assert authenticate(settings, token + "x") is None
    with pytest.raises(WritersError, match="exists already"):
        add_writer(path, "alice")
    newer = add_writer(path, "alice", replace=True)
    assert authenticate(settings, newer) == "alice" and authenticate(settings, token) is None
    remove_writer(path, "alice")
    assert read_file(path) == {} and not writes_enabled(settings)
    with pytest.raises(WritersError, match="no writer 'alice'"):
        remove_writer(path, "alice")


def test_the_update_token_is_writer_editor_and_the_setting_adds_writers(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, update_token="old-token", writers=f"bob={hash_token('b0b')}")
    assert authenticate(settings, "old-token") == EDITOR
    assert authenticate(settings, "b0b") == "bob"
    assert authenticate(settings, "nope") is None
    env = load_settings(environ={"MGKG_WRITERS": f"carol={hash_token('c')}, dave={hash_token('d', 'scrypt')}"})
    assert authenticate(dataclasses.replace(env, data_dir=tmp_path), "d") == "dave"
    assert not writes_enabled(Settings(data_dir=tmp_path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[writers]\nalice = 3\n", r"expected a \[writers\] table"),
        ("[writers\n", "invalid TOML"),
        ('[writers]\nAlice = "sha256:' + "0" * 64 + '"\n', "'Alice' is not a writer name"),
        ('[writers]\nalice = "plaintext"\n', "neither sha256"),
    ],
)
def test_a_malformed_writers_file_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "writers.toml"
    path.write_text(text)
    with pytest.raises(WritersError, match=message) as error:
        read_file(path)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(("value", "message"), [("alice", "is not name=hash"), ("alice=x", "neither sha256")])
def test_a_malformed_writers_setting_is_one_line(value: str, message: str) -> None:
    with pytest.raises(WritersError, match=message):
        read_setting(value)


def test_the_writers_command(tmp_path: Path) -> None:
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path)]
    added = runner.invoke(cli, [*data, "writers", "add", "alice"])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip()
    assert authenticate(Settings(data_dir=tmp_path), token) == "alice"
    again = runner.invoke(cli, [*data, "writers", "add", "alice"])
    assert again.exit_code == 2 and "exists already" in again.stderr
    chosen = runner.invoke(cli, [*data, "writers", "add", "bob", "--token-stdin", "--scrypt"], input="b0b-t0ken\n")
    assert chosen.exit_code == 0 and chosen.stdout == ""
    assert authenticate(Settings(data_dir=tmp_path), "b0b-t0ken") == "bob"
    listed = runner.invoke(cli, [*data, "writers", "list"])
    assert listed.stdout == "alice\twriters file\nbob\twriters file\n"
    bad = runner.invoke(cli, [*data, "writers", "add", "Not Valid"])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert runner.invoke(cli, [*data, "writers", "remove", "alice"]).exit_code == 0
    assert runner.invoke(cli, [*data, "writers", "remove", "alice"]).exit_code == 2
