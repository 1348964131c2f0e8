"""The translated interface (issue 20): choosing the language, a complete pt_BR catalogue, and
the real window in Portuguese."""

from __future__ import annotations

import ast
import os
import re
import shutil
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialogButtonBox, QMenu

from editor.core.paths import CONFIG_DIR_ENV
from editor.core.trainer import TrainerError, stop_code
from editor.ui import i18n
from editor.ui.help import all_shortcuts
from editor.ui.model_hint import describe
from editor.ui.settings import Settings
from editor.ui.trainer_messages import (
    CONTEXT,
    EDITOR_CODES,
    MESSAGES,
    STOP_REASONS,
    explain,
    stop_reason,
)
from editor.ui.user_features import UserFeatures

ROOT = Path(__file__).resolve().parents[3]
TS = ROOT / "translations" / "caminho_pt_BR.ts"
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


# --- choosing the language (no Qt) ---------------------------------------------------------------

@pytest.mark.parametrize(("setting", "env", "system", "expected"), [
    ("", {"LANG": "pt_BR.UTF-8"}, (), "pt_BR"),
    ("", {"LANG": "C"}, ("pt-BR",), "en"),
    ("", {"LANG": "C.UTF-8", "LANGUAGE": "pt_BR"}, (), "en"),  # gettext: C ignores LANGUAGE
    ("", {"LANG": "en_US.UTF-8", "LANGUAGE": "pt_BR:en"}, (), "pt_BR"),
    ("", {"LANG": "pt_BR.UTF-8", "LC_ALL": "C"}, (), "en"),  # LC_ALL wins over LANG
    ("", {"LANG": "en_GB.UTF-8", "LC_MESSAGES": "pt_BR.UTF-8"}, (), "pt_BR"),
    ("", {"LANG": "pt_PT.UTF-8"}, (), "pt_BR"),  # nearest catalogue, not English
    ("", {"LANG": "de_DE.UTF-8", "LANGUAGE": "de:fr"}, (), "en"),  # nothing we have
    ("", {"LANGUAGE": "pt_BR"}, (), "pt_BR"),
    ("", {}, ("pt-BR", "en-US"), "pt_BR"),  # Windows, macOS: the system's list
    ("", {}, ("fr-FR",), "en"),
    ("en", {"LANG": "pt_BR.UTF-8"}, (), "en"),  # the setting beats the system
    ("pt_BR", {"LANG": "C"}, (), "pt_BR"),
    ("klingon", {"LANG": "pt_BR.UTF-8"}, (), "pt_BR"),  # a hand-edited value is ignored
])
def test_choose_language(setting: str, env: dict[str, str], system: tuple[str, ...],
                         expected: str) -> None:
    assert i18n.choose_language(setting, env, system) == expected


def test_language_setting_defaults_to_the_system() -> None:
    assert Settings().get("language") == ""


# --- the catalogue is complete ---------------------------------------------------------------------

def messages(ts: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(ts).getroot()
    return {(ctx.findtext("name"), msg.findtext("source")): msg.find("translation")
            for ctx in root.iter("context") for msg in ctx.iter("message")}


@pytest.fixture(scope="module")
def refreshed_ts(tmp_path_factory: pytest.TempPathFactory,
                 qt_tool) -> dict[tuple[str, str], ET.Element]:
    """The committed .ts updated from today's code by lupdate, in a copy: strings added to the
    code arrive "unfinished", strings gone from it "vanished"."""
    copy = tmp_path_factory.mktemp("ts") / TS.name
    shutil.copy(TS, copy)
    # Every .py under editor/, at any depth: files move into sub-packages (issue 14).
    sources = sorted(str(p) for p in (ROOT / "editor").rglob("*.py"))
    subprocess.run([qt_tool("lupdate"), "-silent", "-locations", "none", *sources, "-ts", str(copy)],
                   check=True, cwd=ROOT)
    return messages(copy)


def test_every_string_in_the_code_has_a_finished_translation(refreshed_ts) -> None:
    # Guards: a tr() string added without a translation shows English in a Portuguese window.
    untranslated = [src for (ctx, src), tr in refreshed_ts.items()
                    if tr.get("type") == "unfinished"
                    or not ((tr.text or "").strip()  # plural forms live in <numerusform>s
                            or any((f.text or "").strip() for f in tr.iter("numerusform")))]
    assert not untranslated, f"run `make translations-update`, then translate: {untranslated}"


def test_no_translation_for_strings_the_code_no_longer_has(refreshed_ts) -> None:
    stale = [src for (ctx, src), tr in refreshed_ts.items()
             if tr.get("type") in ("vanished", "obsolete")]
    assert not stale, f"run `make translations-update` to drop: {stale}"


def fields(text: str) -> list[str]:
    """The str.format fields and QProgressBar's %v/%m/%p, which the code fills in."""
    names = sorted(f"{{{name}:{spec}}}" for _, name, spec, _ in string.Formatter().parse(text)
                   if name is not None)
    return names + sorted(re.findall(r"%[vmp]", text))


def test_translations_keep_placeholders_mnemonics_and_edges() -> None:
    # Guards: a lost {0} raises IndexError in .format(); a lost "&" loses the Alt key; a lost
    # leading space or newline glues texts that the code joins.
    problems = []
    for (ctx, src), tr in messages(TS).items():
        text = tr.text or ""
        if fields(text) != fields(src):
            problems.append(f"{ctx}: {src!r} fields {fields(src)} -> {fields(text)}")
        if ("&" in src.replace("&&", "")) != (text.replace("&&", "").count("&") == 1):
            problems.append(f"{ctx}: {src!r} mnemonic -> {text!r}")
        for edge in (lambda s: s[:1].isspace(), lambda s: s[-1:].isspace()):
            if edge(src) != edge(text):
                problems.append(f"{ctx}: {src!r} whitespace at the ends -> {text!r}")
    assert not problems, "\n".join(problems)


def test_every_context_is_a_class_that_qt_looks_up() -> None:
    # self.tr() looks a string up under the class's name; a context that names no class is a
    # string lupdate found but Qt never asks for.
    classes = {node.name for path in (ROOT / "editor").rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef)}
    contexts = {ctx for ctx, _ in messages(TS)}
    assert contexts <= classes, f"contexts Qt never looks up: {sorted(contexts - classes)}"


# --- caminho-train's errors (its codes and the editor's catalogue) ---------------------------------

def raised_trainer_errors() -> Iterator[tuple[str, int, set[str], set[str]]]:
    """(file, line, codes, parameter names) of every TrainError that training/ raises outside
    the studies, read from the source: a code only some rare path raises counts too."""
    errors = ast.parse((ROOT / "training" / "errors.py").read_text(encoding="utf-8"))
    classes = {node.name for node in errors.body if isinstance(node, ast.ClassDef)}
    for path in sorted((ROOT / "training").rglob("*.py")):
        if "studies" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in classes):
                continue
            keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
            code = keywords.pop("code", None)
            codes = {c.value for c in ast.walk(code) if isinstance(c, ast.Constant)
                     and isinstance(c.value, str)} if code is not None else set()
            yield path.relative_to(ROOT).as_posix(), node.lineno, codes, set(keywords)


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_error_the_trainer_raises_has_a_message_in_the_catalogue() -> None:
    # Guards: an error raised without a code, or with a code the editor does not know, shows
    # English in a Portuguese window; a template asking for a value the trainer does not send
    # falls back to English as well.
    problems, raised = [], set()
    sites = list(raised_trainer_errors())
    assert len(sites) > 50, "the scan found too few raise sites: did training/ move?"
    for where, line, codes, params in sites:
        if not codes:
            problems.append(f"{where}:{line}: no code=")
        for code in codes:
            raised.add(code)
            if code not in MESSAGES:
                problems.append(f"{where}:{line}: {code!r} has no entry in MESSAGES")
            elif not template_fields(MESSAGES[code]) <= params:
                problems.append(f"{where}:{line}: {code!r} sends {sorted(params)}, the template "
                                f"needs {sorted(template_fields(MESSAGES[code]))}")
    stale = set(MESSAGES) - raised - EDITOR_CODES
    assert not problems, "\n".join(problems)
    assert not stale, f"codes nothing raises any more: {sorted(stale)}"


def test_every_trainer_message_has_a_portuguese_translation() -> None:
    ts = messages(TS)
    missing = [code for code, template in MESSAGES.items()
               if (CONTEXT, template) not in ts or ts[CONTEXT, template].get("type")
               or not (ts[CONTEXT, template].text or "").strip()
               # explain() shows the trainer's English words when the text is unchanged
               or ts[CONTEXT, template].text == template]
    assert not missing, f"translate in {TS.name}: {missing}"


def test_trainer_errors_in_portuguese(qapp, portuguese: str) -> None:
    error = TrainerError("corpus.not_utf8", {"path": "/t/cartas.txt", "byte": "0xe3",
                                             "offset": 9}, "/t/cartas.txt is not UTF-8 text…")
    assert explain(error) == ("/t/cartas.txt não é texto em UTF-8: o byte 0xe3 na posição 9 não "
                              "pode ser decodificado (converta o arquivo, por exemplo com "
                              "`iconv -f latin1 -t utf-8`)")
    # A code or values from a trainer of another version: its own English words.
    assert explain(TrainerError("corpus.future", {}, "new words")) == "new words"
    assert explain(TrainerError("corpus.empty", {}, "a.txt is empty")) == "a.txt is empty"
    assert explain(TrainerError("trainer.crashed", {"signal": "SIGSEGV"}, "")) == \
        "o treinador travou (SIGSEGV)"


def test_why_training_ended_in_portuguese_and_english(qapp, portuguese: str) -> None:
    # Bug: "Treinamento terminou após 12 épocas: stopped early, as the loss…": the reason was
    # the editor's English. Each text is what training/loop.py writes in `stopped`.
    ts = messages(TS)
    for code, template in STOP_REASONS.items():
        entry = ts.get((CONTEXT, template))
        assert entry is not None and not entry.get("type") and entry.text != template, code
    assert stop_reason("early stopping: validation loss did not improve for 3 epochs") == (
        QCoreApplication.translate(CONTEXT, STOP_REASONS["stop.early_epochs"]).format(epochs=3))
    assert "3" in stop_reason("early stopping: validation loss did not improve for 3 epochs")
    for stopped in ("solved: 100% accuracy for 3 epochs, loss 0.0400", "reached 40 epochs",
                    "stopped on request after epoch 2", "time budget: training stopped after "
                    "50 s", "early stopping: validation loss stopped improving"):
        said = stop_reason(stopped)
        assert said != stopped and said == QCoreApplication.translate(
            CONTEXT, STOP_REASONS[stop_code(stopped)[0]]).format(**stop_code(stopped)[1])
        assert not said.startswith(("it ", "stopped early")), said  # Portuguese, not English
    assert stop_reason("a reason from a newer trainer") == "a reason from a newer trainer"


def test_trainer_errors_in_english_are_the_trainers_own_words() -> None:
    # English needs no template: the trainer's message is exact (plurals, thousands separators).
    error = TrainerError("corpus.too_small", {"tokens": 1, "files": "a.txt", "minimum": 10},
                         "corpus too small: 1 token in a.txt, need at least 10 to train on")
    assert explain(error) == error.message


@pytest.mark.slow
def test_training_dialog_shows_the_trainers_error_in_portuguese(
        portuguese: str, qtbot, app_window, tmp_path: Path) -> None:
    # The real caminho-train, on a corpus whose second file holds only blank lines: the
    # dialog counts enough words to start, and the trainer refuses the file.
    good = tmp_path / "diario.txt"
    good.write_text("Hoje choveu na cidade e eu li um livro inteiro.\n" * 5, encoding="utf-8")
    blank = tmp_path / "vazio.txt"
    blank.write_text("  \n\n   \n", encoding="utf-8")
    w = app_window(no_model=True)
    features = w.findChild(UserFeatures)
    features.train_action.trigger()
    dialog = features.train_dialog
    assert dialog is not None and dialog.run is not None, "training is not installed here"
    dialog.use_document.setChecked(False)
    dialog.add_files([good, blank])
    assert dialog.start_button.isEnabled(), dialog.start_blocker()
    with qtbot.waitSignal(dialog.run.failed, timeout=60000):
        dialog.start_button.click()
    assert dialog.run.error is not None and dialog.run.error.code == "corpus.only_whitespace"
    text = dialog.status_label.text()
    assert text.startswith(f"O treinamento falhou: {blank} não contém texto (só espaços em "
                           "branco)."), text
    assert "holds no text" not in text
    # The log keeps the trainer's own words, for a bug report.
    assert f"caminho-train: error: {blank} holds no text" in dialog.log_view.toPlainText()


# --- the real window in Portuguese ---------------------------------------------------------------------

@pytest.fixture
def portuguese(monkeypatch: pytest.MonkeyPatch, compiled_catalogue: Path) -> Iterator[str]:
    """LANG=pt_BR.UTF-8 and the language installed the way `caminho` does at start."""
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "pt_BR.UTF-8")
    language = i18n.install_for(Settings().get("language"))
    yield language
    i18n.install_translators(i18n.ENGLISH)  # later tests expect English


def mnemonic(text: str) -> str | None:
    match = re.search(r"&([^&])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


def test_window_in_portuguese(portuguese: str, app_window, tmp_path: Path) -> None:
    assert portuguese == "pt_BR"
    w = app_window(no_model=True)
    menus = [a for a in w.menuBar().actions() if a.menu() is not None]
    assert [a.text() for a in menus] == ["&Arquivo", "&Editar", "E&xibir", "&Modelo", "Aj&uda"]
    file_menu = menus[0].menu()
    assert [a.text() for a in file_menu.actions() if a.text()][:4] == [
        "&Novo", "&Abrir…", "Abrir &recentes", "&Salvar"]

    # Guards: two items with the same Alt letter in one menu make that letter cycle instead
    # of choosing; an English leftover (a string not wrapped in tr()) shows up here too.
    english = {src for _, src in messages(TS)}
    letters = [mnemonic(a.text()) for a in menus]
    assert len(set(letters)) == len(letters), letters
    for top in menus:
        items = [a for a in top.menu().actions() if a.text()]
        item_letters = [mnemonic(a.text()) for a in items]
        assert None not in item_letters, [a.text() for a in items]
        assert len(set(item_letters)) == len(item_letters), [a.text() for a in items]
        leftovers = [a.text() for a in items
                     if a.text() in english and not isinstance(a.menu(), QMenu)]
        assert not leftovers, f"English in {top.text()}: {leftovers}"
    # The same inside Model → Compare With (issue 19), whose items are fixed, not file names.
    compare = next(a.menu() for a in menus[3].menu().actions() if a.text() == "Com&parar com")
    compare_items = [a.text() for a in compare.actions() if a.text()]
    compare_letters = [mnemonic(text) for text in compare_items]
    assert None not in compare_letters and len(set(compare_letters)) == len(compare_letters), \
        compare_items
    assert not [text for text in compare_items if text in english], compare_items

    # A translated error message, through the real open path.
    assert not w.open_file(tmp_path)  # a folder cannot be opened as text
    title, _ = w.last_error
    assert title == f"Não foi possível abrir {tmp_path.name}", title
    assert w.message_box is not None and w.message_box.windowTitle() == title

    # Qt's own standard buttons speak Portuguese too (qtbase_pt_BR.qm).
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert buttons.buttons()[0].text() == "Cancelar"
    assert QCoreApplication.translate("MainWindow", "&File") == "&Arquivo"


def test_texts_built_outside_widgets_in_portuguese(portuguese: str, app_window, model) -> None:
    # Guards: strings built by plain functions (the status bar's model hint, the shortcut list)
    # are looked up under the context lupdate filed them in, not left English.
    short, hint = describe(model.info, bundled=True)
    assert short == "Modelo do poema: 20 palavras", short
    assert "Modelo → Treinar com documentos…" in hint
    rows = all_shortcuts(app_window(no_model=True))
    assert ("Barra de localizar", "Fechar a barra de localizar", "Esc") in rows
    assert any(command.startswith("Inserir a melhor sugestão") for _, command, _ in rows)


def test_window_in_english_under_the_c_locale(monkeypatch, app_window) -> None:
    for name in LOCALE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C")
    assert i18n.install_for("") == "en"
    w = app_window(no_model=True)
    assert w.menuBar().actions()[0].text() == "&File"


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "expected"), [("pt_BR.UTF-8", "pt_BR"), ("C", "en")])
def test_caminho_starts_in_the_system_language(tmp_path: Path, compiled_catalogue: Path,
                                               lang: str, expected: str) -> None:
    # Guards the start-up hook in editor/app.py: the language is installed before the window.
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LANG=lang, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               **{CONFIG_DIR_ENV: str(tmp_path)})
    result = subprocess.run([sys.executable, "-m", "editor", "--no-model", "--quit-after-start"],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"interface language {expected}" in result.stderr, result.stderr
