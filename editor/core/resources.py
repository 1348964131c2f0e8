"""One place that knows where `resources/` is: source tree, installed wheel or PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

# The repository root when running from a checkout (editor/core/resources.py is three levels down).
SOURCE_TREE = Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    """The folder holding the corpus, the bundled models and the icons."""
    if getattr(sys, "frozen", False):
        # PyInstaller unpacks data next to the executable's internals (_MEIPASS).
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources"
    source_tree = SOURCE_TREE / "resources"
    if source_tree.is_dir():
        return source_tree
    # An installed wheel ships resources/ as the `caminho_resources` package.
    import caminho_resources  # noqa: PLC0415

    return Path(caminho_resources.__path__[0])


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def bundled_model_path() -> Path:
    return resource_path("models", "no-meio-do-caminho.onnx")


def poem_corpus_path() -> Path:
    return resource_path("corpus", "no-meio-do-caminho.txt")


# Where the frozen bundle keeps README.md (and docs/ beside it, for its links and pictures).
GUIDE_FOLDER = "guide"


def user_guide_path() -> Path | None:
    """README.md, the user guide: in resources/guide in a bundle, else the source tree's own.

    An installed wheel has neither; its metadata carries the README as the long description.
    """
    bundled = resource_path(GUIDE_FOLDER, "README.md")
    if bundled.is_file():
        return bundled
    if not getattr(sys, "frozen", False):
        source_tree = SOURCE_TREE
        readme = source_tree / "README.md"
        # Only beside our own resources/: site-packages may hold some other project's README.
        if (source_tree / "resources").is_dir() and readme.is_file():
            return readme
    return None
