"""The headless probe starts the real program in a subprocess, types and reports."""

import json
import os
import subprocess
import sys

import pytest


def run_caminho(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CAMINHO_CONFIG_DIR=str(tmp_path / "cfg"))
    return subprocess.run([sys.executable, "-m", "editor", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.slow
def test_probe_types_and_reports_suggestions(tmp_path):
    shot = tmp_path / "shot.png"
    proc = run_caminho(tmp_path, "--type", "No meio do ", "--json", "--screenshot", str(shot))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["strip_slots"][1] == "caminho"
    assert report["ghost"].startswith("caminho")
    assert report["model"] == "no-meio-do-caminho.onnx"
    assert shot.stat().st_size > 1000 and shot.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_probe_tab_accepts(tmp_path):
    proc = run_caminho(tmp_path, "--type", r"No meio do cam\t", "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["text"].startswith("No meio do caminho")


@pytest.mark.slow
def test_probe_with_a_broken_model_reports_the_error(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"")
    proc = run_caminho(tmp_path, "--model", str(bad), "--type", "abc", "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["text"] == "abc"
    assert "empty" in report["error"]
    assert proc.returncode == 1


@pytest.mark.slow
def test_probe_reports_word_list_completions(tmp_path):
    proc = run_caminho(tmp_path, "--type", "Obrigado pela sua atencao", "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["word_list"] == "pt"  # the poem model's language, guessed from its words
    assert "atenção" in report["strip"]
    proc = run_caminho(tmp_path, "--word-list", "en", "--type", "beautif", "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["word_list"] == "en" and report["strip"][0] == "Beautiful"


@pytest.mark.slow
def test_probe_without_the_word_list_says_so_and_still_suggests(tmp_path, monkeypatch):
    env_dir = tmp_path / "no-lists"
    env_dir.mkdir()
    monkeypatch.setenv("CAMINHO_LEXICON_DIR", str(env_dir))  # a folder without the lists
    proc = run_caminho(tmp_path, "--type", "No meio do cam", "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["word_list"] is None
    assert report["strip"] == ["caminho"]
    assert "Word list not loaded" in report["status_message"]


@pytest.mark.slow
def test_probe_ctrl_right_takes_word_by_word(tmp_path):
    # Issue 12: each Ctrl+Right takes the next word with its space, the ghost keeps the rest.
    proc = run_caminho(tmp_path, "--type", r"No meio do \r\r", "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["text"] == "No meio do caminho tinha "
    assert report["ghost"] == "uma pedra\n"


@pytest.mark.slow
@pytest.mark.parametrize("typed", ["I would like to go to the ", ""])
def test_probe_no_ghost_where_the_model_knows_too_little(tmp_path, typed):
    # Issue 12: no poem line pushed into English, no poem on the empty page.
    proc = run_caminho(tmp_path, "--type", typed, "--json")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["text"] == typed and report["ghost"] == ""
    assert report["strip"]  # the strip may still offer words
