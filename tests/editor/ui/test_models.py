"""The model registry (Qt-free) and the Models manager dialog."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from editor.core import models
from editor.core.models import ModelRegistry, RegistryError, safe_name
from editor.core.paths import models_dir
from editor.core.resources import bundled_model_path
from editor.ui.models_dialog import ModelsDialog, describe_accuracy, describe_size
from editor.ui.user_features import UserFeatures
from editor.ui.window import MainWindow

BUNDLED = bundled_model_path()


class FakeSettings:
    def __init__(self) -> None:
        self.values: dict[str, object] = {"model_path": None}

    def get(self, key: str) -> object:
        return self.values[key]

    def set(self, key: str, value: object) -> None:
        self.values[key] = value


@pytest.fixture
def registry(tmp_path) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models", BUNDLED, FakeSettings())


def add_user_model(registry: ModelRegistry, name: str) -> Path:
    registry.folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(BUNDLED, registry.folder / f"{name}.onnx"))


def test_lists_the_bundled_model_then_user_models_with_their_facts(registry):
    assert [e.kind for e in registry.entries()] == ["bundled"]
    add_user_model(registry, "letters")
    (registry.folder / "broken.onnx").write_bytes(b"not a model")
    (registry.folder / ".hidden.onnx").write_bytes(b"x")
    (registry.folder / "notes.txt").write_text("not a model")
    entries = registry.entries()
    assert [(e.name, e.kind) for e in entries] == [
        ("no-meio-do-caminho", "bundled"), ("letters", "user"), ("broken", "user")]
    bundled, letters, broken = entries
    assert bundled.corpus == ["no-meio-do-caminho.txt"]
    assert bundled.accuracy == 1.0 and bundled.accuracy_kind == "training"
    assert bundled.tokens == 75 and bundled.created.startswith("20")
    assert letters.size == BUNDLED.stat().st_size and letters.editable
    assert not bundled.editable
    assert broken.error and broken.accuracy is None
    assert describe_accuracy(bundled) == "100.0% (training text)"
    assert describe_size(letters.size).endswith((" KB", " MB"))
    assert describe_size(450_560) == "440 KB"


def test_a_default_chosen_elsewhere_is_listed_but_not_editable(registry, tmp_path):
    outside = Path(shutil.copy(BUNDLED, tmp_path / "mine.onnx"))
    registry.set_default(outside)
    entries = registry.entries()
    assert entries[-1].kind == "other" and not entries[-1].editable
    assert registry.is_default(entries[-1]) and not registry.is_default(entries[0])
    with pytest.raises(RegistryError):
        registry.delete(outside)
    assert outside.exists()
    registry.set_default(BUNDLED)  # choosing the bundled file means "the bundled model"
    assert registry.settings.get("model_path") is None


def test_rename_and_delete_follow_the_default(registry):
    path = add_user_model(registry, "letters")
    registry.set_default(path)
    renamed = registry.rename(path, "Cartas / 2024")
    assert renamed.name == "Cartas - 2024.onnx" and not path.exists()
    assert registry.settings.get("model_path") == str(renamed)
    other = add_user_model(registry, "other")
    with pytest.raises(RegistryError, match="already exists"):
        registry.rename(other, "Cartas - 2024")
    assert registry.delete(renamed) is True
    assert registry.settings.get("model_path") is None
    assert registry.delete(other) is False
    with pytest.raises(RegistryError):
        registry.delete(BUNDLED)
    assert BUNDLED.exists()


def test_install_moves_a_model_in_under_a_free_name(registry, tmp_path):
    add_user_model(registry, "diary")
    temp = registry.make_temp_dir()
    trained = Path(shutil.copy(BUNDLED, temp / "model.onnx"))
    target = registry.install(trained, "diary")
    assert target.name == "diary-2.onnx" and not trained.exists()
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("...") == "my-writing"


def test_stale_training_folders_are_removed(registry, monkeypatch):
    registry.folder.mkdir(parents=True)
    dead = registry.folder / ".training-999999999-aaaa"
    mine = registry.make_temp_dir()
    old = registry.folder / f".training-{os.getppid()}-bbbb"
    for folder in (dead, old):
        folder.mkdir()
        (folder / "model.onnx").write_bytes(b"half")
    ancient = time.time() - models.STALE_AFTER_S - 60
    os.utime(old, (ancient, ancient))
    assert sorted(registry.clean_stale_temp()) == sorted([dead, old])
    assert mine.exists()


# --- the dialog -------------------------------------------------------------------------------


def open_models(w: MainWindow) -> ModelsDialog:
    f = w.findChild(UserFeatures)
    f.models_action.trigger()
    assert isinstance(f.models_dialog, ModelsDialog) and f.models_dialog.isVisible()
    return f.models_dialog


def test_manager_uses_renames_and_deletes(qtbot, app_window, settings, prompts):
    folder = models_dir()
    folder.mkdir(parents=True)
    shutil.copy(BUNDLED, folder / "letters.onnx")
    w = app_window()
    dialog = open_models(w)
    assert dialog.names() == ["no-meio-do-caminho", "letters"]
    assert dialog.tree.topLevelItem(0).text(0).endswith("in use")
    dialog.select(BUNDLED)
    assert not dialog.delete_button.isEnabled() and not dialog.rename_button.isEnabled()

    dialog.select(folder / "letters.onnx")
    dialog.use_button.click()
    qtbot.waitUntil(lambda: w.suggestions.model_name == "letters.onnx", timeout=10000)
    # The choice is kept once the model has loaded (a file that fails to load changes nothing).
    assert settings.get("model_path") == str(folder / "letters.onnx")
    assert dialog.tree.topLevelItem(1).text(0) == "letters — in use"

    # Rename in place, as the user does with F2 or the Rename button.
    dialog.rename_button.click()
    dialog.tree.topLevelItem(1).setText(0, "cartas")
    assert dialog.names() == ["no-meio-do-caminho", "cartas"]
    assert settings.get("model_path") == str(folder / "cartas.onnx")
    qtbot.waitUntil(lambda: w.suggestions.model_name == "cartas.onnx", timeout=10000)

    prompts.answers = ["cancel", "delete"]
    dialog.select(folder / "cartas.onnx")
    assert not dialog.delete_selected()
    assert (folder / "cartas.onnx").exists()
    assert dialog.delete_selected()
    assert not (folder / "cartas.onnx").exists()
    assert settings.get("model_path") is None  # back to the bundled model
    qtbot.waitUntil(lambda: w.suggestions.model_name == "no-meio-do-caminho.onnx", timeout=10000)
    assert dialog.names() == ["no-meio-do-caminho"]
