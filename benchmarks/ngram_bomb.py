"""Time and peak memory of loading a model file whose `ngram` archive is a zip bomb.

    .venv/bin/python benchmarks/ngram_bomb.py [--gb 3]

Builds the bundled model with an `ngram` metadata value whose trigram table unpacks to
--gb gigabytes of zeros (a few megabytes in the file), then does what the suggestion worker
does with a model: `LanguageModel.load` and `Suggester(...)`. Prints the file size, the
seconds taken, the process's peak resident memory and what became of the n-gram table.
Needs `onnx` (the `train` extra) to write the file; building the bomb takes a few seconds.
"""

from __future__ import annotations

import argparse
import base64
import io
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHUNK = 1 << 24


def npy_member(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with archive.open(f"{name}.npy", "w") as out:
        np.lib.format.write_array(out, array, allow_pickle=False)


def bomb_archive(vocab_size: int, unpacked_bytes: int) -> bytes:
    """A well-formed n-gram archive for `vocab_size` words whose `tri_words` (and so
    `tri_mass`, which must match it) are `unpacked_bytes` of zeros each, streamed so that
    building it takes little memory."""
    entries = unpacked_bytes // 8
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        unigram = np.full(vocab_size, 1.0 / vocab_size)
        npy_member(archive, "unigram", unigram)
        npy_member(archive, "weight", np.array(0.5))
        npy_member(archive, "doc_id", np.array(1, dtype=np.int64))
        for level in ("bi", "tri"):
            npy_member(archive, f"{level}_keys", np.array([0], dtype=np.int64))
            npy_member(archive, f"{level}_gamma", np.array([0.5]))
            n = entries if level == "tri" else 1
            npy_member(archive, f"{level}_offsets", np.array([0, n], dtype=np.int64))
            for field, dtype in (("words", "<i8"), ("mass", "<f8")):
                if level == "bi":
                    npy_member(archive, f"{level}_{field}", np.zeros(1, dtype=dtype))
                    continue
                with archive.open(f"{level}_{field}.npy", "w", force_zip64=True) as out:
                    np.lib.format.write_array_header_2_0(
                        out, {"descr": dtype, "fortran_order": False, "shape": (n,)})
                    zeros = bytes(CHUNK)
                    left = n * 8
                    while left > 0:
                        out.write(zeros[: min(CHUNK, left)])
                        left -= CHUNK
    return buf.getvalue()


def with_ngram(src: Path, dst: Path, value: str) -> None:
    import onnx

    model = onnx.load(str(src))
    entry = model.metadata_props.add()
    entry.key, entry.value = "ngram", value
    onnx.save(model, str(dst))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gb", type=float, default=3.0, help="what the trigram table unpacks to")
    args = parser.parse_args(argv)

    from editor.core.lm import LanguageModel
    from editor.core.resources import bundled_model_path
    from editor.core.suggest import Suggester

    src = bundled_model_path()
    vocab = LanguageModel.load(src).info.vocab_size
    start = time.perf_counter()
    blob = bomb_archive(vocab, int(args.gb * 1e9 / 2))
    path = Path(tempfile.mkdtemp(prefix="caminho-bomb-")) / "bomb.onnx"
    with_ngram(src, path, base64.b64encode(blob).decode("ascii"))
    print(f"built {path} ({path.stat().st_size / 1e6:.1f} MB, n-gram archive unpacks to "
          f"{args.gb:.1f} GB) in {time.perf_counter() - start:.1f} s", flush=True)
    del blob

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    start = time.perf_counter()
    suggester = Suggester(LanguageModel.load(path))
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    outcome = ("n-gram table loaded" if suggester.ngram is not None
               else getattr(suggester, "ngram_problem", "") or "n-gram table dropped")
    print(f"load + Suggester: {took:.2f} s, peak RSS {before:.0f} MB before, {peak:.0f} MB after")
    print(f"outcome: {outcome}")
    path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
