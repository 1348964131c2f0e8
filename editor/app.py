"""Command line and application start: `caminho [FILE]`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from editor.core.paths import APPLICATION, ORGANIZATION
from editor.core.resources import bundled_model_path, resource_path
from editor.core.suggest import SuggestConfig
from editor.ui import help as help_menu
from editor.ui import i18n, lexicon_ui, user_features
from editor.ui.insight import compare_view
from editor.ui.insight.panel import VIEWS, InsightPanel
from editor.ui.model_hint import ModelHint
from editor.ui.probe import run_probe
from editor.ui.recovery import attach_autosave, offer_recovery
from editor.ui.settings import Settings
from editor.ui.suggestions.controller import SuggestionController
from editor.ui.window import MainWindow

log = logging.getLogger(__name__)

FALLBACK_VERSION = "0.1.0"


def version() -> str:
    try:
        return metadata.version("caminho")
    except metadata.PackageNotFoundError:
        # Running from a source checkout that was never pip-installed.
        return FALLBACK_VERSION


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caminho",
        description="A text editor that autocompletes with a word-level LSTM.",
    )
    parser.add_argument(
        "file",
        nargs="?",
        type=Path,
        metavar="FILE",
        help="file to open; a name that does not exist yet is created on the first save",
    )
    parser.add_argument("--version", action="version", version=f"caminho {version()}")
    models = parser.add_mutually_exclusive_group()
    models.add_argument(
        "--model", type=Path, metavar="PATH", help="suggest with this .onnx model (this run only)"
    )
    models.add_argument("--no-model", action="store_true", help="start without suggestions")
    parser.add_argument("--word-list", choices=("auto", "pt", "en", "off"), default=None,
                        metavar="LANG", help="complete words from this word list for this "
                        "document: pt, en, off or auto (the model's language; the default)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default=None,
                        help="look for this run only (View → Theme keeps a choice)")
    # Quits as soon as the window is up: a smoke test that the whole start path works.
    parser.add_argument("--quit-after-start", action="store_true", help=argparse.SUPPRESS)
    probe = parser.add_argument_group("headless probe (docs, smoke tests, packaging checks)")
    probe.add_argument("--type", metavar="TEXT", dest="type_text",
                       help=r"type TEXT with real key events (\t Tab, \n Return, \e Esc, "
                            r"\r Ctrl+Right, \1-\3 Alt+1-3), wait for suggestions, report, exit")
    probe.add_argument("--screenshot", type=Path, metavar="PNG", help="with --type: save the window")
    probe.add_argument("--json", action="store_true", help="with --type: print the state as JSON")
    probe.add_argument("--panel-view", choices=VIEWS,
                       help="with --screenshot: show this insight panel view")
    parser.add_argument("--compare", type=Path, metavar="MODEL",
                        help="run this second model beside the one suggesting, in the insight "
                             "panel's Compare view (as Model → Compare With)")
    probe.add_argument("--size", metavar="WxH", help="with --type: window size, e.g. 1280x720")
    # Crash tests: type like a person, then keep running with the text unsaved until killed.
    probe.add_argument("--key-delay", type=float, default=0.0, metavar="MS",
                       help="with --type: pause MS milliseconds between keys")
    probe.add_argument("--stay", action="store_true",
                       help="with --type: keep running after typing, no report")
    return parser


def startup_model(args: argparse.Namespace, settings: Settings) -> Path | None:
    """The model to request at start, or None for none: --no-model, else --model, else
    the one chosen in the Model menu last time, else the bundled one if it exists."""
    if args.no_model:
        return None
    if args.model is not None:
        return args.model
    chosen = settings.get("model_path")
    if chosen:
        return Path(chosen)
    bundled = bundled_model_path()
    return bundled if bundled.is_file() else None


# Harmless notices some platform plugins print on every window; they bury real warnings.
_QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)


def _qt_message(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    if message in _QUIET_QT_MESSAGES:
        return
    print(message, file=sys.stderr)


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, named so QSettings and the desktop find our files and icon."""
    qInstallMessageHandler(_qt_message)
    # The suggestion worker waits for the GIL while the GUI thread runs Python (paint handlers);
    # a shorter switch interval cut that hand-off from ~1.3 ms to ~0.2 ms (median) per keystroke.
    sys.setswitchinterval(0.001)
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "caminho", *(argv or [])])
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(version())
    # Matches resources/caminho.desktop so Wayland compositors show the right icon.
    app.setDesktopFileName("caminho")
    icon = QIcon()
    for name in ("caminho.svg", "caminho-256.png"):
        path = resource_path("icons", name)
        if path.is_file():
            icon.addFile(str(path))
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


def build_window(args: argparse.Namespace, settings: Settings | None = None) -> MainWindow:
    """The window for these arguments, not shown yet; the place to wire in more services."""
    settings = settings if settings is not None else Settings()
    window = MainWindow(settings)
    config = SuggestConfig(
        ghost_enabled=settings.get("ghost_enabled"),
        ghost_threshold=settings.get("ghost_threshold"),
        ghost_max_words=settings.get("ghost_max_words"),
    )
    controller = SuggestionController(window.editor, window.strip, config, window)
    controller.set_accept_key(settings.get("accept_key"))
    settings.changed.connect(controller.apply_setting)
    window.attach_suggestions(controller)
    hint = ModelHint(window, window.editor)
    controller.model_status.connect(hint.show_status)
    window.statusBar().set_droppable([window.latency_label, window.encoding_label, hint,
                                      window.position_label])
    panel = InsightPanel(window)
    controller.shown.connect(panel.show_suggestions)
    controller.model_status.connect(lambda st: panel.set_model(st.model if st.ok else None))
    panel.attach_editor(window.editor)
    window.attach_panel(panel)
    user_features.install(window, controller, settings)  # training, models, preferences
    chooser = lexicon_ui.install(window, controller, settings)  # the language's word list
    compare_view.install(window, panel)  # Model → Compare With
    attach_autosave(window)
    help_menu.install(window)  # last, so Help is the last menu
    if args.file is not None:
        window.open_or_create(args.file)
    if getattr(args, "theme", None):
        window.apply_theme(args.theme)  # this run only: the setting is left as it is
    if getattr(args, "word_list", None):
        chooser.set_document_choice(args.word_list)  # after the file: opening one resets it
    model = startup_model(args, settings)
    if model is not None:
        # --model is for this run only; the Model menu is what changes the saved choice. The
        # choice saved last time gives way to the bundled model if it no longer loads.
        remembered = args.model is None and bool(settings.get("model_path"))
        window.load_model(model, remember=False, fallback=remembered)
    compare = getattr(args, "compare", None)
    if compare is not None:
        compare_view.load_compared(window, panel, compare)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    app = create_application()
    i18n.install_for(Settings().get("language"))  # before any widget: texts are set when built
    window = build_window(args)
    if args.size:
        width, _, height = args.size.partition("x")
        window.resize(int(width), int(height))
    window.show()
    if args.type_text is not None:
        code = run_probe(window, args.type_text, screenshot=args.screenshot, as_json=args.json,
                         model_expected=window.requested_model is not None or not args.no_model,
                         panel_view=args.panel_view, key_delay_s=args.key_delay / 1e3,
                         report=not args.stay)
        if args.stay:
            return app.exec()
        window.editor.document().setModified(False)  # a probe never asks to save
        window.close()
        return code
    if args.quit_after_start:
        QTimer.singleShot(0, window.close)
    else:
        # Once the window is up, offer what a crashed Caminho left unsaved.
        QTimer.singleShot(0, lambda: offer_recovery(window, _window_opener(window)))
    return app.exec()


# Windows opened for further recovered documents; Qt does not keep Python wrappers alive.
_more_windows: list[MainWindow] = []


def _window_opener(first: MainWindow) -> Callable[[], MainWindow]:
    """Makes another window (for a second recovered document) with the first one's settings."""
    def open_window() -> MainWindow:
        window = build_window(build_parser().parse_args([]), first.settings)
        _more_windows.append(window)
        window.show()
        return window

    return open_window


if __name__ == "__main__":
    sys.exit(main())
