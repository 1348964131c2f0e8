import os
from pathlib import Path

import pytest

# No display here or in CI: Qt renders offscreen (fonts still work).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Nothing may depend on the machine's own locale (issue 20): the interface language, QLocale's
# number formats and subprocesses all see the same English, UTF-8 locale; tests that need
# another language set it themselves.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

ROOT = Path(__file__).resolve().parents[1]
POEM = ROOT / "resources" / "corpus" / "no-meio-do-caminho.txt"
# Committed to the repository: a missing file is a failure, never a reason to skip.
BUNDLED = ROOT / "resources" / "models" / "no-meio-do-caminho.onnx"


@pytest.fixture(scope="session")
def poem_path() -> Path:
    return POEM


@pytest.fixture(scope="session")
def bundled_model() -> Path:
    return BUNDLED


# The poem LSTM as bundled until issue 18 rebuilt it: a format 1 file (no `cell`, no `language`,
# neither fast-path input), kept as the witness that old model files still load.
FORMAT1_POEM = Path(__file__).resolve().parent / "fixtures" / "poem-format1.onnx"


@pytest.fixture(scope="session")
def format1_poem() -> Path:
    return FORMAT1_POEM


@pytest.fixture(scope="module")
def model():
    """The bundled poem model as the editor loads it (editor.core.lm), shared by a module."""
    from editor.core.lm import LanguageModel

    return LanguageModel.load(BUNDLED)


@pytest.fixture
def ngram_bomb_model(tmp_path):
    """A factory: the bundled model with an `ngram` metadata value that is a zip bomb (issue
    13 item 8), well formed for the 24-word vocabulary but for one trigram row of `entries`
    words whose zeros unpack to 16 bytes each (256 MB for the default, ~250 kB packed)."""
    import base64
    import io
    import zipfile

    import numpy as np
    import onnx

    from editor.core.resources import bundled_model_path

    def member(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
        with zf.open(f"{name}.npy", "w") as out:
            np.lib.format.write_array(out, array, allow_pickle=False)

    def make(entries: int = 16_000_000, name: str = "bomb.onnx") -> Path:
        v = 24
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            member(zf, "unigram", np.full(v, 1.0 / v))
            member(zf, "weight", np.array(0.5))
            member(zf, "doc_id", np.array(1, dtype=np.int64))
            for level, n in (("bi", 1), ("tri", entries)):
                member(zf, f"{level}_keys", np.array([0], dtype=np.int64))
                member(zf, f"{level}_gamma", np.array([0.5]))
                member(zf, f"{level}_offsets", np.array([0, n], dtype=np.int64))
                for field, dtype in (("words", "<i8"), ("mass", "<f8")):
                    with zf.open(f"{level}_{field}.npy", "w", force_zip64=True) as out:
                        np.lib.format.write_array_header_2_0(
                            out, {"descr": dtype, "fortran_order": False, "shape": (n,)})
                        left = n * 8
                        while left > 0:
                            out.write(bytes(min(left, 1 << 22)))
                            left -= 1 << 22
        model = onnx.load(str(bundled_model_path()))
        entry = model.metadata_props.add()
        entry.key, entry.value = "ngram", base64.b64encode(buf.getvalue()).decode("ascii")
        path = tmp_path / name
        onnx.save(model, str(path))
        return path

    return make
