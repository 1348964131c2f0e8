"""The interface language: which one to use, and Qt translators that put it on screen.

The choice is plain Python (`choose_language`), so it is tested without Qt and without the
machine's own locale. `install_translators` loads Caminho's compiled catalogue
(resources/translations/caminho_<lang>.qm, built from translations/*.ts by the set-up and the
packaging) and Qt's own qtbase_<lang>.qm, so standard buttons and dialogs ("Cancel", the file
dialog) speak the same language as our menus. English is the source language: it needs no file.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from editor.core.resources import resource_path

log = logging.getLogger(__name__)

ENGLISH = "en"
# Languages with a catalogue in translations/, besides English. A locale of the same language
# but another country (pt_PT, pt_AO) gets the nearest one we have rather than English.
TRANSLATED = ("pt_BR",)
# The values the "language" setting takes: "" follows the system.
LANGUAGES = ("", ENGLISH, *TRANSLATED)
LANGUAGE_NAMES = {"": "System", ENGLISH: "English", "pt_BR": "Português (Brasil)"}
CATALOGUE = "caminho"
QT_CATALOGUE = "qtbase"


def _normalise(tag: str) -> str:
    """"pt_BR.UTF-8", "pt-br", "pt_BR@euro" -> "pt_BR"; "C", "POSIX", "" -> ""."""
    tag = tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip()
    if tag in ("", "C", "POSIX"):
        return ""
    language, _, country = tag.partition("_")
    return f"{language.lower()}_{country.upper()}" if country else language.lower()


def match_language(tag: str) -> str | None:
    """The language we have for one locale name (English or a catalogue), or None."""
    tag = _normalise(tag)
    if not tag:
        return None
    if tag in TRANSLATED:
        return tag
    base = tag.split("_", 1)[0]
    if base == ENGLISH:
        return ENGLISH
    return next((lang for lang in TRANSLATED if lang.split("_", 1)[0] == base), None)


def choose_language(setting: str, env: Mapping[str, str],
                    system_languages: Sequence[str] = ()) -> str:
    """The interface language: the setting when it names one, else the environment the way
    gettext reads it, else what the system reports (QLocale.uiLanguages on Windows, macOS).

    gettext's rules: the locale is LC_ALL, else LC_MESSAGES, else LANG; a "C" or "POSIX" locale
    means untranslated whatever LANGUAGE says; otherwise LANGUAGE (a colon-separated list of
    preferences) comes first. So `LANG=C caminho` is English and `LANG=pt_BR.UTF-8` Portuguese.
    """
    if setting in LANGUAGES and setting:
        return setting
    locale_name = next((env[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(k)), None)
    if locale_name is not None:
        if not _normalise(locale_name):
            return ENGLISH
        wanted = [*env.get("LANGUAGE", "").split(":"), locale_name]
    elif env.get("LANGUAGE"):
        wanted = env["LANGUAGE"].split(":")
    else:
        wanted = list(system_languages)
    return next((lang for lang in map(match_language, wanted) if lang), ENGLISH)


def catalogue_path(language: str) -> Path:
    """Caminho's compiled catalogue for `language` (it may not exist: see `make translations`)."""
    return resource_path("translations", f"{CATALOGUE}_{language}.qm")


def qt_translation_dirs() -> list[Path]:
    """Where Qt's own catalogues may be: Qt's configured folder, else PySide6's (a PyInstaller
    bundle keeps qtbase_<lang>.qm at _internal/PySide6/Qt/translations)."""
    import PySide6  # noqa: PLC0415

    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    dirs.append(Path(PySide6.__file__).resolve().parent / "Qt" / "translations")
    return dirs


# The installed translators, kept here: Qt does not own them, and a collected one stops working.
_installed: list[QTranslator] = []


def install_translators(language: str, app: QCoreApplication | None = None) -> list[Path]:
    """Install the catalogues for `language` (replacing any installed before); returns the
    files loaded. A missing catalogue is logged, not fatal: the interface stays in English."""
    app = app or QCoreApplication.instance()
    remove_translators(app)
    if language == ENGLISH or language not in TRANSLATED:
        QLocale.setDefault(QLocale("en_US"))
        return []
    QLocale.setDefault(QLocale(language))
    loaded: list[Path] = []
    own = catalogue_path(language)
    candidates = [own] + [folder / f"{QT_CATALOGUE}_{language}.qm"
                          for folder in qt_translation_dirs()]
    seen_qt = False
    for path in candidates:
        if path != own and seen_qt:
            continue
        translator = QTranslator()
        if path.is_file() and translator.load(str(path)):
            app.installTranslator(translator)
            _installed.append(translator)
            loaded.append(path)
            seen_qt = path != own
        elif path == own:
            log.warning("no translation file %s: the interface stays in English", path)
    return loaded


def remove_translators(app: QCoreApplication | None = None) -> None:
    app = app or QCoreApplication.instance()
    while _installed:
        app.removeTranslator(_installed.pop())


def install_for(setting: str) -> str:
    """Choose the language from the setting, the environment and the system, and install it;
    called once at start, before any window exists (texts are set when widgets are built)."""
    language = choose_language(setting, os.environ, QLocale.system().uiLanguages())
    loaded = install_translators(language)
    log.info("interface language %s (%s)", language,
             ", ".join(path.name for path in loaded) or "no catalogue")
    return language
