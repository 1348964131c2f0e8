"""Model → Train on documents…: the dialog, the trainer process, and what ends up installed.

One test trains for real (`python -m training`, a few seconds); the others stand in a tiny
script for the trainer so cancelling, crashing and broken output are quick and certain.
"""

from __future__ import annotations

import random
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from ui_waits import wait_fresh

from editor.core import trainer
from editor.core.paths import models_dir
from editor.core.resources import bundled_model_path
from editor.core.trainer import (
    FINISH_S,
    INSTALL_COMMAND,
    MAX_EPOCHS,
    TORCH_PIN,
    TRAINER_MIN_TOKENS,
    CorpusStats,
    TrainerError,
    corpus_stats,
    error_summary,
    estimate_seconds,
    exit_error,
    exit_summary,
    expected_epochs,
    find_trainer,
    format_duration,
    parse_progress,
    reported_error,
    time_left,
)
from editor.ui import training_ui, user_features
from editor.ui.trainer_messages import stop_reason
from editor.ui.training_ui import TrainDialog
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow

ROOT = Path(__file__).resolve().parents[3]


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


# --- a trainer stand-in -----------------------------------------------------------------------

FAKE_TRAINER = r'''
import json, os, signal, sys, time
from pathlib import Path
ROOT = __ROOT__
STOPPED = "early stopping: validation loss did not improve for 3 epochs"
mode = sys.argv[1]
args = sys.argv[2:]
out = Path(args[args.index("--out") + 1])
report = {"epoch": 1, "epochs": 50, "loss": 5.0, "accuracy": 0.1, "val_loss": 5.5,
          "val_accuracy": 0.08, "seconds": 0.5, "eta": 24.5}
if mode == "error":
    print("loading the corpus", file=sys.stderr)
    print("caminho-train: error: corpus too small: 3 tokens in a.txt", file=sys.stderr)
    sys.exit(2)
if mode == "fail-after-training":
    # What an out-of-memory kill in the steps after training looked like (issue 16): the
    # trainer has saved the trained network and said where, then dies.
    print(json.dumps(report), flush=True)
    checkpoint = out.parent / (out.name + ".ckpt")
    checkpoint.write_bytes(b"trained weights")
    print(json.dumps({"checkpoint": str(checkpoint)}), flush=True)
    print("caminho-train: error: not enough memory to build the trigram", file=sys.stderr)
    sys.exit(1)
if mode == "garbage":
    print(json.dumps(report), flush=True)
    out.write_bytes(b"not an onnx model at all")
    print(json.dumps({"done": True, "model": str(out), "metrics": {}}), flush=True)
    sys.exit(0)
if mode == "early-stop":
    # A run that early-stops on held-out text, as caminho-train reports it.
    val = [5.0, 4.0, 3.5, 3.6, 3.55, 3.7]
    for epoch, loss in enumerate(val, 1):
        last = epoch == len(val)
        print(json.dumps({"epoch": epoch, "epochs": 400, "loss": 5.5 - epoch / 2,
                          "accuracy": 0.05 * epoch, "val_loss": loss, "val_accuracy": 0.04 * epoch,
                          "seconds": 0.5 * epoch, "eta": 0.0 if last else 0.5 * (400 - epoch),
                          "stopped": STOPPED if last else "",
                          "stale": max(0, epoch - 3), "patience": 3}), flush=True)
        time.sleep(0.05)
    out.write_bytes(Path(sys.argv[0]).with_name("model.onnx").read_bytes())
    print(json.dumps({"done": True, "model": str(out), "epochs_run": len(val),
                      "stopped": STOPPED, "metrics": {"val_accuracy": 0.24}}), flush=True)
    sys.exit(0)
if mode == "echo-args":
    print("args: " + " ".join(args), file=sys.stderr)
    print("caminho-train: error: the stand-in stops here", file=sys.stderr)
    sys.exit(2)
if mode == "read-corpus":
    # Read the corpus the way caminho-train does (UTF-8 only), then stop.
    sys.path.insert(0, ROOT)
    from training.data import read_text
    for name in args[1:args.index("--out")]:  # after "train"
        print(f"read {Path(name).name}: {read_text(name)!r}", file=sys.stderr)
    print("caminho-train: error: the stand-in stops here", file=sys.stderr)
    sys.exit(2)
if mode in ("killed", "exit-137"):
    # What the kernel's out-of-memory killer does; a shell reports it as 128 + 9.
    print(json.dumps(report), flush=True)
    time.sleep(0.2)
    if mode == "exit-137":
        sys.exit(137)
    os.kill(os.getpid(), signal.SIGKILL)
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
    script.write_text(FAKE_TRAINER.replace("__ROOT__", repr(str(ROOT))), encoding="utf-8")
    shutil.copy(bundled_model_path(), tmp_path / "model.onnx")  # what "early-stop" writes

    def use(mode: str) -> None:
        monkeypatch.setattr(user_features, "find_trainer", lambda: [sys.executable, str(script), mode])

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
    # The epochs setting is the most a run may do; it stops by itself sooner, and the estimate
    # is for that (it used to count every allowed epoch and contradict the progress).
    assert estimate_seconds(large, 10) < estimate_seconds(large) == estimate_seconds(large, 400)
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


def test_the_trainers_error_line_gives_code_values_and_words():
    line = ('{"error": {"code": "corpus.empty", "params": {"path": "/t/a.txt", "odd": [1], '
            '"flag": true}, "message": "/t/a.txt is empty (0 bytes)"}}')
    error = reported_error(parse_progress(line))
    assert error == TrainerError("corpus.empty", {"path": "/t/a.txt"}, "/t/a.txt is empty (0 bytes)")
    assert reported_error(parse_progress('{"epoch": 2, "loss": 1.5}')) is None
    assert reported_error({"error": "no words"}) is None
    # What the trainer reported beats its log; a kill beats both: it was never the trainer's say.
    log = "caminho-train: error: /t/a.txt is empty (0 bytes)\n"
    assert exit_error(2, False, log, error) is error
    assert exit_error(9, True, log, error).code == "trainer.killed"
    assert exit_error(11, True, "").params == {"signal": "SIGSEGV"}
    assert exit_error(3, False, "") == TrainerError(
        "trainer.exit_code", {"code": 3}, "the trainer stopped with exit code 3")
    # A trainer that printed no JSON: its English line, with no code to translate it by.
    assert exit_error(2, False, log) == TrainerError("", {}, "/t/a.txt is empty (0 bytes)")
    assert exit_summary(2, False, "", error) == "/t/a.txt is empty (0 bytes)"


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

    qtbot.waitUntil(lambda: w.suggestions.model_name == "zorbel.onnx", timeout=10000)
    assert settings.get("model_path") == str(path)  # kept as the choice once it loaded
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


def test_a_failure_after_training_keeps_the_trained_network(qtbot, app_window, fake_trainer,
                                                            corpus_file, settings):
    # Bug: the run's private folder was removed on any failure, checkpoint and all, so a run
    # that failed after an hour of training (in the trigram or the export) lost that hour.
    fake_trainer("fail-after-training")
    w = app_window()
    dialog = open_dialog(w)
    dialog.add_files([corpus_file])
    with qtbot.waitSignal(dialog.run.failed, timeout=10000):
        dialog.start_button.click()
    kept = dialog.run.kept_checkpoint
    assert kept is not None and kept.read_bytes() == b"trained weights"
    assert kept.parent == models_dir() / "checkpoints"
    text = dialog.status_label.text()
    assert "not enough memory" in text and str(kept) in text and "caminho-train export" in text
    assert "Nothing was saved" not in text
    # The private folder is gone all the same, and the Models list shows no new model.
    assert [p.name for p in leftovers()] == ["checkpoints"]
    assert settings.get("model_path") is None


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
    monkeypatch.setattr(user_features, "find_trainer", lambda: None)
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


# --- issue 12, item 9: what the dialog says while and after it trains ----------------------------

def test_stop_reasons_exit_summaries_and_time_left_in_plain_words():
    assert "ran out of memory" in exit_summary(9, True, "")  # SIGKILL: the OOM killer
    assert "ran out of memory" in exit_summary(137, False, "")  # the same, through a shell
    assert "SIGSEGV" in exit_summary(11, True, "")
    assert exit_summary(2, False, "caminho-train: error: corpus too small") == "corpus too small"
    assert stop_reason("early stopping: validation loss did not improve for 3 epochs") == (
        "stopped early, as the loss on the held-out text had not improved for 3 epochs "
        "(more would not help)")
    assert "by heart" in stop_reason("solved: 100% accuracy for 3 epochs, loss 0.0400")
    assert stop_reason("reached 40 epochs") == "it did all 40 epochs"
    # Time left comes from the real pace, to the likely end and to the most; never 0 s while
    # the model still has to be saved ("at most 0 s left" was shown).
    report = {"epoch": 10, "epochs": 400, "seconds": 20.0}
    likely, at_most = time_left(report, planned=30)
    assert likely == pytest.approx(2.0 * 20 + FINISH_S)
    assert at_most == pytest.approx(2.0 * 390 + FINISH_S)
    likely, at_most = time_left({"epoch": 400, "epochs": 400, "seconds": 800.0}, planned=400)
    assert likely == at_most == FINISH_S > 0
    assert time_left({"epoch": 0, "epochs": 400}, planned=30) is None


def test_the_planned_epochs_match_what_the_trainer_does(corpus_file):
    from training.config import TrainConfig
    from training.data import MIN_TOKENS

    # The dialog's copies of caminho-train's defaults, checked against the real ones.
    assert MAX_EPOCHS == TrainConfig().epochs
    assert TRAINER_MIN_TOKENS == MIN_TOKENS
    tiny = corpus_stats([corpus_file.read_text(encoding="utf-8")])
    assert expected_epochs(tiny, None) == trainer.AUTO_EPOCHS_TINY
    assert expected_epochs(tiny, 40) == 40  # the setting caps it


def test_estimate_progress_and_early_stop_agree(qtbot, app_window, fake_trainer, corpus_file):
    fake_trainer("early-stop")
    w = app_window()
    dialog = open_dialog(w)
    dialog.add_files([corpus_file])
    planned = expected_epochs(dialog.stats, None)
    # The estimate names the epochs it counts and the most the run may do ...
    assert f"about {planned} epochs, at most {MAX_EPOCHS}" in dialog.estimate_label.text()
    seen: list[tuple[int, int, str, str]] = []
    dialog.run.epoch_done.connect(lambda _r: seen.append((
        dialog.progress.value(), dialog.progress.maximum(), dialog.progress.text(),
        dialog.status_label.text())))
    with qtbot.waitSignal(dialog.model_installed, timeout=20000):
        dialog.start_button.click()
    # ... and the progress says the same ("Epoch 5 of 400" contradicted "81 epochs").
    first_value, first_max, first_bar, first_text = seen[0]
    assert first_text.startswith(f"Epoch 1 of about {planned} (at most {MAX_EPOCHS})")
    assert first_max == planned and first_bar == f"Epoch 1 of about {planned}"
    assert "left at this pace" in first_text and " 0 s left" not in first_text
    # The bar never claims the run is done while it trains, and never jumps to full on the
    # early stop: it turns busy while the model is saved, and says why it stopped.
    assert all(value < maximum for value, maximum, _bar, _text in seen[:-1])
    assert seen[-1][1] == 0  # busy
    assert "Training ends at epoch 6: stopped early" in seen[-1][3]
    assert not any(" 0 s" in text for *_x, text in seen)
    # The early-stopping count is shown before it stops.
    assert "held-out text has not improved for 2 epoch(s); after 3" in seen[4][3]
    # Done: the bar is full, and the reason stays on screen.
    assert dialog.progress.value() == dialog.progress.maximum() == 6
    assert dialog.progress.text() == "Done after 6 epochs"
    assert "Training ended after 6 epochs: stopped early" in dialog.status_label.text()


def test_the_loss_chart_has_a_legend(qtbot, app_window, fake_trainer, corpus_file):
    fake_trainer("early-stop")
    w = app_window()
    dialog = open_dialog(w)
    dialog.add_files([corpus_file])
    with qtbot.waitSignal(dialog.model_installed, timeout=20000):
        dialog.start_button.click()
    image = dialog.curve.grab().toImage()
    labels = [label for label, _rect in dialog.curve.legend]
    assert labels == ["loss on the training text", "loss on the held-out text"]
    palette = dialog.curve.palette()
    colours = [palette.highlight().color(), QColor(200, 110, 30)]
    for (_label, rect), colour in zip(dialog.curve.legend, colours, strict=True):
        assert dialog.curve.rect().contains(rect.toRect())
        # The line sample left of the label is drawn in the series' colour.
        y = int(rect.center().y())
        sample = [image.pixelColor(x, y) for x in range(int(rect.left()) - 28,
                                                        int(rect.left()) - 4)]
        assert any(abs(c.red() - colour.red()) + abs(c.green() - colour.green())
                   + abs(c.blue() - colour.blue()) < 40 for c in sample)


def test_a_greyed_start_says_why(qtbot, app_window, fake_trainer, corpus_file, tmp_path):
    fake_trainer("plain")
    w = app_window()
    dialog = open_dialog(w)
    assert not dialog.start_button.isEnabled()
    assert "Add text files" in dialog.start_hint.text()
    assert dialog.start_button.toolTip() == dialog.start_hint.text()
    # Three words are too few for caminho-train: the hint says so instead of a failed run.
    w.editor.setPlainText("Só três palavras")
    dialog.use_document.setChecked(True)
    dialog.update_corpus()
    assert not dialog.start_button.isEnabled()
    assert "Too little text: 3 words" in dialog.start_hint.text()
    dialog.use_document.setChecked(False)
    dialog.add_files([corpus_file])
    assert dialog.start_button.isEnabled() and dialog.start_hint.text() == ""
    with qtbot.waitSignal(dialog.run.epoch_done, timeout=10000):
        dialog.start_button.click()
    assert not dialog.start_button.isEnabled()
    assert "Training is running" in dialog.start_button.toolTip()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=5000):
        dialog.cancel_button.click()


def latin1_file(path: Path) -> Path:
    path.write_bytes("Coração e ação na canção.\nO pão de açúcar.\n".encode("cp1252") * 3)
    return path


def test_a_non_utf8_file_is_offered_in_its_encoding_and_the_trainer_gets_utf8(
        qtbot, app_window, fake_trainer, tmp_path, prompts):
    fake_trainer("read-corpus")
    original = latin1_file(tmp_path / "cartas.txt")
    before = original.read_bytes()
    w = app_window()
    dialog = open_dialog(w)
    prompts.answers = ["convert"]
    dialog.add_files([original])
    asked = prompts.asked[0]
    assert asked["title"] == "“cartas.txt” is not UTF-8"
    assert "Windows-1252" in asked["text"] and "“Coração”" in asked["text"]
    assert "iconv" not in str(asked)
    assert dialog.files == [original]
    assert "read as Windows-1252" in dialog.files_list.item(0).text()
    assert dialog.stats.tokens > 20
    with qtbot.waitSignal(dialog.run.failed, timeout=20000):
        dialog.start_button.click()
    # caminho-train's own reader got the text right, under the file's own name.
    assert "read cartas.txt: 'Coração e ação na canção." in dialog.log_view.toPlainText()
    assert "not UTF-8" not in dialog.log_view.toPlainText()
    assert original.read_bytes() == before  # the writer's file is left alone
    assert leftovers() == []  # the UTF-8 copy went with the run's folder


def test_a_non_utf8_file_can_be_left_out(qtbot, app_window, fake_trainer, tmp_path, prompts):
    fake_trainer("plain")
    w = app_window()
    dialog = open_dialog(w)
    prompts.answers = ["cancel"]
    dialog.add_files([latin1_file(tmp_path / "cartas.txt")])
    assert dialog.files == [] and dialog.files_list.count() == 0


@pytest.mark.parametrize("mode", ["killed", "exit-137"])
def test_a_trainer_killed_for_memory_gets_a_plain_message(qtbot, app_window, fake_trainer,
                                                         corpus_file, settings, mode):
    fake_trainer(mode)
    w = app_window(wait_for_model=True)
    dialog = open_dialog(w)
    dialog.add_files([corpus_file])
    with qtbot.waitSignal(dialog.run.failed, timeout=10000):
        dialog.start_button.click()
    text = dialog.status_label.text()
    assert text.startswith("Training failed after 1 epoch: the system stopped the trainer")
    assert "ran out of memory" in text and "fewer or shorter texts" in text
    # What is left: nothing half-made, and the model in use as it was.
    assert "Nothing was saved" in text and "the model you use now" in text
    assert leftovers() == []
    assert settings.get("model_path") is None
    assert w.suggestions.model_name == "no-meio-do-caminho.onnx"
    assert dialog.progress.text() == "Failed" and dialog.start_button.isEnabled()


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


def test_the_time_limit_reaches_the_trainer_and_caps_the_estimate(qtbot, app_window,
                                                                    fake_trainer, tmp_path):
    fake_trainer("echo-args")
    corpus = tmp_path / "long.txt"  # about 240 000 tokens: minutes of training
    corpus.write_text("Hoje choveu na cidade e eu li um livro inteiro.\n" * 20_000,
                      encoding="utf-8")
    w = app_window()
    dialog = open_dialog(w)
    dialog.use_document.setChecked(False)
    dialog.add_files([corpus])
    assert dialog.budget_combo.currentData() == 0  # no limit unless chosen
    unlimited = estimate_seconds(dialog.stats)
    assert unlimited > 120
    dialog.budget_combo.setCurrentIndex(dialog.budget_combo.findData(60))
    assert dialog.budget_combo.currentText() == "1 min"
    # The trainer plans the run to end within the limit, and the estimate says so.
    assert dialog.estimate_label.text().startswith("about 1:00 min")
    with qtbot.waitSignal(dialog.run.failed, timeout=10000):
        dialog.start_button.click()
    assert "--time-budget 60s" in dialog.log_view.toPlainText()
    assert "time limit was up" in stop_reason("time budget: training stopped after 50 s")
