"""Model → Train on documents…: the dialog, the trainer process, and what ends up installed.

One test trains for real (`python -m training`, a few seconds); the others stand in a tiny
script for the trainer so cancelling, crashing and broken output are quick and certain.
"""

from __future__ import annotations

import random
import sys
import tomllib
from pathlib import Path

import pytest

from editor import trainer, training_ui
from editor.trainer import (
    INSTALL_COMMAND,
    TORCH_PIN,
    CorpusStats,
    corpus_stats,
    error_summary,
    estimate_seconds,
    find_trainer,
    format_duration,
    parse_progress,
)
from editor.training_ui import TrainDialog, UserFeatures, models_dir
from editor.window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def features(w: MainWindow) -> UserFeatures:
    found = w.findChild(UserFeatures)
    assert found is not None
    return found


def open_dialog(w: MainWindow) -> TrainDialog:
    f = features(w)
    f.train_action.trigger()
    assert f.train_dialog is not None and f.train_dialog.isVisible()
    return f.train_dialog


def leftovers() -> list[Path]:
    """Everything in the models folder: models and any hidden temp folders or files."""
    folder = models_dir()
    return sorted(folder.iterdir()) if folder.is_dir() else []


def wait_fresh(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: w.suggestions.is_fresh() and not w.suggestions._post_timer.isActive(),
                    timeout=5000)


# --- a trainer stand-in -----------------------------------------------------------------------

FAKE_TRAINER = r'''
import json, signal, sys, time
from pathlib import Path
mode = sys.argv[1]
args = sys.argv[2:]
out = Path(args[args.index("--out") + 1])
report = {"epoch": 1, "epochs": 50, "loss": 5.0, "accuracy": 0.1, "val_loss": 5.5,
          "val_accuracy": 0.08, "seconds": 0.5, "eta": 24.5}
if mode == "error":
    print("loading the corpus", file=sys.stderr)
    print("caminho-train: error: corpus too small: 3 tokens in a.txt", file=sys.stderr)
    sys.exit(2)
if mode == "garbage":
    print(json.dumps(report), flush=True)
    out.write_bytes(b"not an onnx model at all")
    print(json.dumps({"done": True, "model": str(out), "metrics": {}}), flush=True)
    sys.exit(0)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(json.dumps(report), flush=True)
# What a trainer killed mid-export leaves: half a model and the exporter's temp file.
out.write_bytes(b"half a model")
(out.parent / f".{out.name}.123.abcd.tmp").write_bytes(b"partial")
time.sleep(60)
'''


@pytest.fixture
def fake_trainer(tmp_path, monkeypatch):
    script = tmp_path / "fake_trainer.py"
    script.write_text(FAKE_TRAINER, encoding="utf-8")

    def use(mode: str) -> None:
        monkeypatch.setattr(training_ui, "find_trainer", lambda: [sys.executable, str(script), mode])

    return use


@pytest.fixture
def corpus_file(tmp_path) -> Path:
    path = tmp_path / "diary.txt"
    path.write_text("Hoje choveu na cidade e eu li um livro inteiro.\n" * 5, encoding="utf-8")
    return path


# --- Qt-free helpers --------------------------------------------------------------------------

def test_corpus_stats_counts_tokens_and_extrapolates_large_texts(monkeypatch):
    small = corpus_stats(["Olá, mundo.\nOlá!"])
    assert small == CorpusStats(chars=16, tokens=7, distinct=8, exact=True)  # + <unk>, <doc>
    monkeypatch.setattr(trainer, "EXACT_CHARS", 100)
    big = corpus_stats(["uma palavra " * 100])
    assert not big.exact
    assert 180 <= big.tokens <= 220  # 200 words really
    sampled = corpus_stats(["uma palavra " * 5], total_chars=1200)  # the start of a long file
    assert not sampled.exact and sampled.chars == 1200 and sampled.tokens == 200


def test_estimate_grows_with_the_corpus_and_epochs():
    small = CorpusStats(chars=5_000, tokens=1_000, distinct=300, exact=True)
    large = CorpusStats(chars=500_000, tokens=100_000, distinct=8_000, exact=True)
    assert trainer.STARTUP_S < estimate_seconds(small) < estimate_seconds(large)
    assert estimate_seconds(large, 40) > estimate_seconds(large)
    assert format_duration(42.2) == "43 s"
    assert format_duration(125) == "2:05 min"
    assert format_duration(3 * 3600 + 60) == "3 h 01 min"


def test_progress_lines_and_error_summaries():
    assert parse_progress('{"epoch": 2, "epochs": 9, "loss": 1.5}')["epoch"] == 2
    assert parse_progress("training accuracy 40%") is None
    assert parse_progress("{broken") is None
    log = "Traceback...\ncaminho-train: error: corpus too small: 3 tokens\n"
    assert error_summary(log, 2) == "corpus too small: 3 tokens"
    assert error_summary("ValueError: bad\n", 1) == "ValueError: bad"
    assert "exit code 9" in error_summary("", 9)


def test_find_trainer(monkeypatch):
    assert find_trainer() == [sys.executable, "-m", "training"]  # torch is in the dev venv
    real_find_spec = trainer.importlib.util.find_spec
    monkeypatch.setattr(trainer.importlib.util, "find_spec",
                        lambda name: None if name == "torch" else real_find_spec(name))
    assert find_trainer() is None
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(trainer.shutil, "which", lambda name: None)
    assert find_trainer() is None
    monkeypatch.setattr(trainer.shutil, "which", lambda name: f"/opt/bin/{name}")
    assert find_trainer() == ["/opt/bin/caminho-train"]


def test_install_command_pins_the_same_torch_as_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert TORCH_PIN in project["project"]["optional-dependencies"]["train"]
    assert TORCH_PIN in INSTALL_COMMAND and "caminho[train]" in INSTALL_COMMAND


# --- the dialog -------------------------------------------------------------------------------

def made_up_corpus(path: Path) -> Path:
    """A few plain sentences, shuffled, and one with made-up words the poem model never saw."""
    rng = random.Random(7)
    sentences = ["O gato dorme na casa.", "A menina lê um livro sobre o mar.",
                 "Quando chove muito, ficamos em casa.", "De manhã o café está quente.",
                 "O vento sopra forte na praia.", "Meu irmão gosta de música antiga.",
                 "A cidade acorda cedo.", "O zorbel quintaz dança no telhado."]
    lines = [" ".join(rng.sample(sentences, 3)) for _ in range(60)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_training_through_the_dialog_installs_a_model_that_changes_suggestions(
        qtbot, app_window, tmp_path, settings):
    w = app_window()
    qtbot.waitUntil(lambda: w.suggestions.model_name is not None, timeout=10000)
    qtbot.keyClicks(w.editor, "O gato dorme na casa. O zorbel ")
    wait_fresh(qtbot, w)
    assert "quintaz" not in w.strip.words()  # the poem model has never seen it

    dialog = open_dialog(w)
    assert dialog.use_document.isChecked()  # the open document is offered
    dialog.use_document.setChecked(False)
    dialog.add_files([made_up_corpus(tmp_path / "zorbel.txt")])
    assert dialog.stats.tokens > 500
    assert "s" in dialog.estimate_label.text()
    dialog.name_edit.setText("zorbel")
    dialog.epochs_spin.setValue(40)
    # Small and quick: the point is the path from the dialog to the loaded model.
    dialog.extra_args = ["--hidden", "48", "--embedding", "32", "--lr", "0.01", "--no-check"]
    with qtbot.waitSignal(dialog.model_installed, timeout=90000) as installed:
        dialog.start_button.click()
        assert dialog.cancel_button.isEnabled() and not dialog.start_button.isEnabled()
    path = installed.args[0]
    assert path == models_dir() / "zorbel.onnx"
    assert leftovers() == [path]  # no temp folder, no temp file
    assert len(dialog.curve.train) == 40
    assert dialog.progress.value() == dialog.progress.maximum()
    assert "zorbel" in dialog.status_label.text()
    assert settings.get("model_path") == str(path)

    qtbot.waitUntil(lambda: w.suggestions.model_name == "zorbel.onnx", timeout=10000)
    w.editor.clear()
    qtbot.keyClicks(w.editor, "O gato dorme na casa. O zorbel ")
    wait_fresh(qtbot, w)
    assert w.strip.words()[0] == "quintaz"
    assert w.suggestions.ghost.text().startswith("quintaz")
    # The previous model stays available.
    names = [e.name for e in features(w).registry.entries()]
    assert names == ["no-meio-do-caminho", "zorbel"]


@pytest.mark.parametrize("mode", ["plain", "stubborn"])
def test_cancel_leaves_no_half_written_model(qtbot, app_window, fake_trainer, corpus_file,
                                             monkeypatch, settings, mode):
    fake_trainer(mode)
    monkeypatch.setattr(training_ui.TrainingRun, "KILL_AFTER_MS", 300)  # stubborn: kill it
    w = app_window()
    dialog = open_dialog(w)
    dialog.add_files([corpus_file])
    with qtbot.waitSignal(dialog.run.epoch_done, timeout=10000):
        dialog.start_button.click()
    temp = dialog.run.temp
    assert temp is not None
    qtbot.waitUntil(lambda: (temp / ".model.onnx.123.abcd.tmp").exists(), timeout=5000)
    assert "Epoch 1 of 50" in dialog.status_label.text()
    assert "loss 5.000" in dialog.status_label.text()
    assert "accuracy 10.0%" in dialog.status_label.text()
    assert "left" in dialog.status_label.text()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=5000):
        dialog.cancel_button.click()
    assert not dialog.run.is_running()
    assert leftovers() == []
    assert "Cancelled" in dialog.status_label.text()
    assert dialog.start_button.isEnabled()
    assert settings.get("model_path") is None


def test_trainer_errors_are_shown_with_the_log(qtbot, app_window, fake_trainer, corpus_file):
    fake_trainer("error")
    w = app_window()
    dialog = open_dialog(w)
    dialog.add_files([corpus_file])
    with qtbot.waitSignal(dialog.run.failed, timeout=10000):
        dialog.start_button.click()
    assert "corpus too small: 3 tokens" in dialog.status_label.text()
    assert dialog.log_view.isVisible()
    assert "loading the corpus" in dialog.log_view.toPlainText()
    assert leftovers() == []
    assert dialog.start_button.isEnabled()


def test_a_model_that_fails_validation_is_not_installed(qtbot, app_window, fake_trainer,
                                                        corpus_file, settings):
    fake_trainer("garbage")
    w = app_window()
    qtbot.waitUntil(lambda: w.suggestions.model_name is not None, timeout=10000)
    dialog = open_dialog(w)
    dialog.add_files([corpus_file])
    with qtbot.waitSignal(dialog.run.failed, timeout=10000):
        dialog.start_button.click()
    assert "did not pass validation" in dialog.status_label.text()
    assert leftovers() == []
    assert settings.get("model_path") is None
    assert w.suggestions.model_name == "no-meio-do-caminho.onnx"


def test_without_torch_the_dialog_shows_the_install_command(qtbot, app_window, monkeypatch):
    monkeypatch.setattr(training_ui, "find_trainer", lambda: None)
    w = app_window()
    dialog = open_dialog(w)
    assert dialog.run is None and dialog.start_button is None
    assert dialog.command_edit.text() == INSTALL_COMMAND
    assert "PyTorch" in dialog.unavailable_label.text()
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_menus_hold_the_new_actions(app_window):
    w = app_window()
    f = features(w)
    model_actions = w.model_menu.actions()
    assert f.train_action in model_actions and f.models_action in model_actions
    assert "Ctrl+," in [s.toString() for s in f.preferences_action.shortcuts()]
    edit = next(a.menu() for a in w.menuBar().actions() if a.menu() and w.undo_action
                in a.menu().actions())
    assert f.preferences_action in edit.actions()


def test_estimate_never_exceeds_the_time_budget():
    # With --time-budget the trainer plans the run to end in time: the dialog's estimate says
    # so, and a small corpus that finishes sooner keeps its own, shorter estimate.
    large = CorpusStats(chars=20_000_000, tokens=4_000_000, distinct=20_000, exact=True)
    small = CorpusStats(chars=5_000, tokens=1_000, distinct=300, exact=True)
    assert estimate_seconds(large, budget_s=600) == 600 < estimate_seconds(large)
    assert estimate_seconds(small, budget_s=600) == estimate_seconds(small) < 600
    assert trainer.budget_arguments(600) == ["--time-budget", "600s"]
    assert trainer.budget_arguments(0) == []
    assert 0 in trainer.BUDGET_CHOICES_S and 600 in trainer.BUDGET_CHOICES_S
