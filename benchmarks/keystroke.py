"""Typing speed: model step, keystroke → suggestions shown, and CPU spent per keystroke.

    .venv/bin/python benchmarks/keystroke.py [--keys 120] [--gap-ms 100]

Three tables, each measured side by side in one run:
1. one model step (one token, state in and out): onnxruntime vs the same weights in PyTorch eager;
2. keystroke → strip and ghost text updated, in the real window (offscreen), typing a passage,
   without and with the Portuguese word list (editor/core/lexicon.py);
3. CPU time per keystroke (all threads, idle gaps between keys included), with Caminho's
   session options (one intra-op thread, no spinning) vs onnxruntime's defaults.
Models: the bundled poem model and a large random-weight model (vocab 12k, hidden 512).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

PASSAGE = ("No meio do caminho tinha uma pedra tinha uma pedra no meio do caminho "
           "tinha uma pedra no meio do caminho tinha uma pedra. Nunca me esquecerei desse "
           "acontecimento na vida de minhas retinas tão fatigadas.")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def row(name: str, values: list[float], unit: str = "ms") -> str:
    return (f"| {name:<44} | {statistics.median(values):8.3f} | {pct(values, 99):8.3f} | "
            f"{len(values):5d} | {unit} |")


def header(title: str) -> None:
    print(f"\n{title}\n")
    print(f"| {'what':<44} | {'median':>8} | {'p99':>8} | {'n':>5} | unit |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 7}|------|")


def make_models(tmp: Path) -> dict[str, tuple[Path, object]]:
    """The poem model (ONNX + rebuilt torch weights) and a large random model."""
    import torch

    from training.config import ModelConfig
    from training.export import export_model, random_vocab
    from training.model import LanguageModel as TorchLM

    models: dict[str, tuple[Path, object]] = {}
    from editor.core.resources import bundled_model_path

    models["poem"] = (bundled_model_path(), None)
    torch.manual_seed(0)
    vocab = random_vocab(12000)
    config = ModelConfig(vocab_size=len(vocab), embedding=256, hidden=512, layers=1)
    big = TorchLM(config).eval()
    path = tmp / "large.onnx"
    export_model(big, path, vocab=vocab, training={"corpus": [], "random": True}, check=False)
    models["large (V=12k, H=512)"] = (path, big)
    # A poem-sized torch model with the same shapes as the bundled one, for the step table.
    from editor.core.lm import LanguageModel

    info = LanguageModel.load(bundled_model_path()).info
    small = TorchLM(ModelConfig(vocab_size=info.vocab_size, embedding=info.embedding or 64,
                                hidden=info.hidden, layers=info.layers)).eval()
    spath = tmp / "small.onnx"
    export_model(small, spath, vocab=info.vocab, training={"corpus": [], "random": True},
                 check=False)
    models["poem-sized"] = (spath, small)
    return models


def bench_step(models: dict[str, tuple[Path, object]], n: int = 2000) -> None:
    import torch

    from editor.core.lm import LanguageModel

    torch.set_num_threads(1)
    header("Model step: one token, state in and out (onnxruntime vs PyTorch eager, same weights)")
    for name, (path, tmodel) in models.items():
        if tmodel is None:
            continue
        lm = LanguageModel.load(path)
        h, c = lm.zero_state()
        ort_times, torch_times = [], []
        th, tc = (torch.from_numpy(h), torch.from_numpy(c))
        tok = torch.tensor([[5]])
        with torch.inference_mode():
            for i in range(n):
                t0 = time.perf_counter()
                out = lm.run([2 + i % (lm.info.vocab_size - 2)], h, c)
                t1 = time.perf_counter()
                h, c = out.h, out.c
                _, (th, tc) = tmodel(tok, (th, tc))
                t2 = time.perf_counter()
                ort_times.append((t1 - t0) * 1e3)
                torch_times.append((t2 - t1) * 1e3)
        print(row(f"{name}: onnxruntime", ort_times))
        print(row(f"{name}: PyTorch eager", torch_times))
        print(f"| {name}: ratio of medians (torch / ort){'':<10} | "
              f"{statistics.median(torch_times) / statistics.median(ort_times):8.2f} |")


def long_document(words: int) -> str:
    """Prose-like paragraphs of `words` words, varied enough that most lines differ."""
    sentences = [PASSAGE, "O manual descreve a caixa de diálogo das camadas e o modo de mistura.",
                 "Clique no botão Exportar para salvar a imagem em outro formato.",
                 "A ferramenta de seleção livre desenha uma linha à mão livre."]
    out, n, k = [], 0, 0
    while n < words:
        line = f"{sentences[k % len(sentences)]} Seção {k}."
        out.append(line)
        n += len(line.split())
        k += 1
    return "\n".join(out) + "\n"


def type_passage(path: Path, keys: int, gap_ms: float, word_list: str = "off",
                 document: str | None = None, neural_cache: bool = True
                 ) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per key, in the real window: latency, process CPU, ranking time on the worker and
    GUI-thread CPU (all ms). With `document`, it is opened and typed at its end once the
    neural cache has read the text before the cursor."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    from PySide6.QtGui import QTextCursor

    from editor.app import build_parser, build_window, create_application
    from editor.ui.probe import parse_keys, press, wait_for_word_list, wait_until
    from editor.ui.settings import Settings

    create_application()
    argv = ["--model", str(path), "--word-list", word_list]
    if document is not None:
        doc_path = Path(tempfile.mkdtemp()) / "long.txt"
        doc_path.write_text(document, encoding="utf-8")
        argv.append(str(doc_path))
    args = build_parser().parse_args(argv)
    window = build_window(args, Settings(Path(tempfile.mkdtemp()) / "b.ini"))
    window.show()
    ctl = window.suggestions
    wait_until(lambda: ctl.model_name is not None, 60)
    wait_for_word_list(window, 60)
    ctl.service.update_config(neural_cache=neural_cache)
    if document is not None:
        window.editor.moveCursor(QTextCursor.MoveOperation.End)
        service = ctl.service

        def cache_size() -> int:
            return len(service._suggester.cache) if service._suggester is not None else 0

        if neural_cache:
            wait_until(lambda: cache_size() > 0, 30)
            # Reading starts once typing pauses (INDEX_DELAY_MS): wait for the timer to fire
            # and the reading to end, or the keys would be timed against a near-empty cache.
            wait_until(lambda: not ctl._index_timer.isActive() and service._indexing is None
                       and not service._pending_index, 300)
        print(f"  (document {len(document.split())} words, neural cache "
              f"{cache_size()} entries)", file=sys.stderr)
    computes: list[float] = []
    forward = ctl.service._on_result

    def spy(result):  # runs on the worker: records the inference part of each keystroke
        computes.append(result.compute_ms)
        forward(result)

    ctl.service._on_result = spy  # type: ignore[method-assign]
    text = (PASSAGE * 10)[:keys]
    latencies, cpu, compute, gui = [], [], [], []
    for key, mods, ch in parse_keys(text):
        QCoreApplication.processEvents()
        computes.clear()
        c0, g0 = time.process_time(), time.thread_time()
        press(window.editor, key, mods, ch)
        # Block in a real event loop (no polling, which would cost CPU and delay delivery)
        # until the suggestions for this key are on screen.
        loop = QEventLoop()
        quit_if_fresh = lambda _s=None, lp=loop: ctl.is_fresh() and lp.quit()  # noqa: E731
        ctl.shown.connect(quit_if_fresh)
        QTimer.singleShot(5000, loop.quit)
        if not ctl.is_fresh():
            loop.exec()
        ctl.shown.disconnect(quit_if_fresh)
        latencies.append(ctl.last_latency_ms or 0.0)
        # Idle between keys as a typist does: a spinning thread pool burns CPU here.
        idle = QEventLoop()
        QTimer.singleShot(int(gap_ms), idle.quit)
        idle.exec()
        cpu.append((time.process_time() - c0) * 1e3)
        gui.append((time.thread_time() - g0) * 1e3)
        compute.append(max(computes, default=0.0))  # the ghost's second pass is cumulative
    window.editor.document().setModified(False)
    window.close()
    ctl.shutdown()
    return latencies, cpu, compute, gui


def long_document_table(models: dict[str, tuple[Path, object]], args: argparse.Namespace
                        ) -> None:
    """Typing at the end of a long document, with the neural cache full and switched off."""
    document = long_document(args.document_words)
    header(f"Keystroke → suggestions at the end of a {args.document_words}-word document "
           f"({args.keys} keys)")
    for name in ("poem", "large (V=12k, H=512)"):
        for on in (True, False):
            lat, _, comp, _ = type_passage(models[name][0], args.keys, args.gap_ms,
                                           document=document,
                                           neural_cache=on)
            what = "neural cache" if on else "no neural cache"
            print(row(f"{name}, {what}: latency", lat))
            print(row(f"{name}, {what}: ranking on the worker", comp))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=120, help="keystrokes typed per model")
    parser.add_argument("--gap-ms", type=float, default=100.0, help="pause between keystrokes")
    parser.add_argument("--document-words", type=int, default=200_000,
                        help="also type at the end of a document this long (0: skip)")
    parser.add_argument("--only-document", action="store_true",
                        help="only the long-document table")
    args = parser.parse_args()
    if args.only_document:
        with tempfile.TemporaryDirectory() as tmpdir:
            long_document_table(make_models(Path(tmpdir)), args)
        return 0
    import editor.core.lm as lm_module

    with tempfile.TemporaryDirectory() as tmpdir:
        models = make_models(Path(tmpdir))
        bench_step(models)
        header(f"Keystroke → strip and ghost text updated, real window offscreen ({args.keys} keys)")
        results = {}
        for name in ("poem", "large (V=12k, H=512)"):
            lat, cpu, comp, gui = type_passage(models[name][0], args.keys, args.gap_ms)
            results[name] = (cpu, comp, gui)
            print(row(f"{name}: latency", lat))
            lat, _, comp, _ = type_passage(models[name][0], args.keys, args.gap_ms, "pt")
            print(row(f"{name} + pt word list: latency", lat))
            print(row(f"{name}: ranking on the worker", results[name][1]))
            print(row(f"{name} + pt word list: ranking on the worker", comp))
        if args.document_words:
            long_document_table(models, args)
        header(f"CPU time per keystroke, all threads, {args.gap_ms:.0f} ms idle gap included")
        for name, (cpu, comp, gui) in results.items():
            print(row(f"{name}: process CPU per key", cpu))
            print(row(f"{name}:  GUI thread (keys, painting)", gui))
            print(row(f"{name}:  ranking on the worker", comp))
            rest = [a - b - g for a, b, g in zip(cpu, comp, gui, strict=True)]
            print(row(f"{name}:  beyond both (thread pools)", rest))
        # onnxruntime's default session options, for comparison: its pool spins between calls.
        import onnxruntime as ort

        lm_module.session_options = ort.SessionOptions  # type: ignore[assignment]
        for name in ("poem", "large (V=12k, H=512)"):
            _, cpu, comp, gui = type_passage(models[name][0], max(30, args.keys // 4), args.gap_ms)
            print(row(f"{name}: process CPU per key, ORT defaults", cpu))
            rest = [a - b - g for a, b, g in zip(cpu, comp, gui, strict=True)]
            print(row(f"{name}:  beyond both, ORT defaults", rest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
