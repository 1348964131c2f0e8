"""Typing speed: model step, keystroke → suggestions shown, and CPU spent per keystroke.

    .venv/bin/python benchmarks/keystroke.py [--keys 120] [--gap-ms 100]
    .venv/bin/python benchmarks/keystroke.py --compare REV [--rounds 3] [--keys 120]

Three tables, each measured side by side in one run:
1. one model step (one token, state in and out): onnxruntime vs the same weights in PyTorch eager;
2. keystroke → strip and ghost text updated, in the real window (offscreen), typing a passage,
   without and with the Portuguese word list (editor/core/lexicon.py);
3. CPU time per keystroke (all threads, idle gaps between keys included), with Caminho's
   session options (one intra-op thread, no spinning) vs onnxruntime's defaults.
Models: the bundled poem model and a large random-weight model (vocab 12k, hidden 512), typed
with as `caminho-train` writes it (int8 weights where the tree's `--weights auto` picks them;
the step table times both the float and the int8 file).
With `--document-words N` (0 skips it), also typing at the end of an N-word document with the
neural cache full and switched off (`--only-document`: that table alone).

`--compare REV` measures before and after in one run: the commit REV is unpacked (git archive)
next to this checkout, each tree exports its own models, and rounds alternate between the two
trees (each round a fresh process per tree, in turn first and second); every figure is taken
over the samples of all rounds pooled. `--tree PATH` runs one measurement with the editor and
exporter of another checkout (what --compare does for each side). Trees from before the
editor/core + editor/ui split (issue 14) are read too: `editor_module` finds each module.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

PASSAGE = ("No meio do caminho tinha uma pedra tinha uma pedra no meio do caminho "
           "tinha uma pedra no meio do caminho tinha uma pedra. Nunca me esquecerei desse "
           "acontecimento na vida de minhas retinas tão fatigadas.")
LARGE = "large (V=12k, H=512)"
# (row name, model file stem, PyTorch weights stem): the int8 file's eager twin is the float one.
STEP_MODELS = (("large", "large", "large"), ("large int8", "large-int8", "large"),
               ("poem-sized", "small", "small"))


def large_model(folder: Path) -> Path:
    """The large model as the tree's `caminho-train` would write it (int8 when it quantizes)."""
    int8 = folder / "large-int8.onnx"
    return int8 if int8.is_file() else folder / "large.onnx"


def editor_module(name: str):  # noqa: ANN201 (a module)
    """editor.core.NAME or editor.ui.NAME, or editor.NAME in trees from before issue 14."""
    for package in ("editor.core", "editor.ui", "editor"):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as err:
            if not (err.name or "").startswith(("editor.core", "editor.ui", f"editor.{name}")):
                raise
    raise ModuleNotFoundError(f"no editor module {name!r} in {sys.path[0]}")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def row(name: str, values: list[float], unit: str = "ms") -> str:
    return (f"| {name:<44} | {statistics.median(values):8.3f} | {pct(values, 99):8.3f} | "
            f"{len(values):5d} | {unit} |")


def header(title: str) -> None:
    print(f"\n{title}\n")
    print(f"| {'what':<44} | {'median':>8} | {'p99':>8} | {'n':>5} | unit |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 7}|------|")


def make_models(folder: Path) -> None:
    """large.onnx (V=12k, E=256, H=512, random) and small.onnx (the poem model's shapes), each
    with its PyTorch weights (.pt), exported by the tree on sys.path; kept if already there."""
    import torch

    from training.config import ModelConfig
    from training.export import export_model, random_vocab
    from training.model import LanguageModel as TorchLM

    LanguageModel = editor_module("lm").LanguageModel  # noqa: N806
    bundled_model_path = editor_module("resources").bundled_model_path
    folder.mkdir(parents=True, exist_ok=True)
    info = LanguageModel.load(bundled_model_path()).info
    specs = {"large": (random_vocab(12000), 256, 512, 1),
             "small": (info.vocab, info.embedding or 64, info.hidden, info.layers)}
    for name, (vocab, emb, hidden, layers) in specs.items():
        if (folder / f"{name}.onnx").is_file():
            continue
        torch.manual_seed(0)
        config = ModelConfig(vocab_size=len(vocab), embedding=emb, hidden=hidden, layers=layers)
        model = TorchLM(config).eval()
        export_model(model, folder / f"{name}.onnx", vocab=vocab,
                     training={"corpus": [], "random": True}, check=False)
        torch.save({"config": config.to_dict(), "weights": model.state_dict()},
                   folder / f"{name}.pt")
    try:  # trees from before int8 by default write float files only
        from training.quantize import quantize_file, wants_int8
    except ImportError:
        return
    if wants_int8("auto", 12000, 512) and not (folder / "large-int8.onnx").is_file():
        quantize_file(folder / "large.onnx", folder / "large-int8.onnx")


def torch_model(path: Path) -> object:
    import torch

    from training.config import ModelConfig
    from training.model import LanguageModel as TorchLM

    data = torch.load(path, weights_only=False)
    model = TorchLM(ModelConfig.from_dict(data["config"]))
    model.load_state_dict(data["weights"])
    return model.eval()


def bench_step(folder: Path, n: int) -> dict[str, dict[str, list[float]]]:
    """One-token steps, onnxruntime and PyTorch eager alternately, ms per step."""
    import torch

    LanguageModel = editor_module("lm").LanguageModel  # noqa: N806
    torch.set_num_threads(1)
    out: dict[str, dict[str, list[float]]] = {}
    for name, stem, pt in STEP_MODELS:
        if not (folder / f"{stem}.onnx").is_file():
            continue
        lm = LanguageModel.load(folder / f"{stem}.onnx")
        tmodel = torch_model(folder / f"{pt}.pt")
        h, c = lm.zero_state()
        ort_times, torch_times, lean_times = [], [], []
        th, tc = (torch.from_numpy(h), torch.from_numpy(c))
        hl, cl = h, c
        tok = torch.tensor([[5]])
        steps = n if stem == "small" else max(50, n // 8)  # the large step is ~100× dearer
        lean = getattr(lm, "lean", False)  # the panel-hidden step (trees before it lack it)
        with torch.inference_mode():
            for i in range(steps):
                token = 2 + i % (lm.info.vocab_size - 2)
                t0 = time.perf_counter()
                res = lm.run([token], h, c)
                t1 = time.perf_counter()
                h, c = res.h, res.c
                _, (th, tc) = tmodel(tok, (th, tc))
                t2 = time.perf_counter()
                ort_times.append((t1 - t0) * 1e3)
                torch_times.append((t2 - t1) * 1e3)
                if lean:
                    t3 = time.perf_counter()
                    res = lm.run([token], hl, cl, internals=False)
                    lean_times.append((time.perf_counter() - t3) * 1e3)
                    hl, cl = res.h, res.c
        out[name] = {"ort": ort_times, "torch": torch_times}
        if lean_times:
            out[name]["ort lean"] = lean_times
    return out


def bench_reread(folder: Path, repeats: int = 7) -> list[float]:
    """CPU ms to read 350 tokens from scratch with the large model: what the worker does each
    time the context window moves on (every 500 characters past the first 2000)."""
    ContextTracker = editor_module("context").ContextTracker  # noqa: N806
    lm = editor_module("lm").LanguageModel.load(folder / "large.onnx")
    ids = [lm.doc_id] + [2 + (k * 7919) % (lm.info.vocab_size - 2) for k in range(349)]
    times = []
    for _ in range(repeats):
        tracker = ContextTracker(lm)
        c0 = time.process_time()
        tracker.update(ids)
        times.append((time.process_time() - c0) * 1e3)
    return times


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
    neural cache has read the text before the cursor. Trees without a word list or a neural
    cache (before issues 15 and 17) type without them."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    from PySide6.QtGui import QTextCursor

    from editor.app import build_parser, build_window, create_application

    probe = editor_module("probe")
    parse_keys, press, wait_until = probe.parse_keys, probe.press, probe.wait_until
    Settings = editor_module("settings").Settings  # noqa: N806

    create_application()
    parser = build_parser()
    argv = ["--model", str(path)]
    has_word_list = "--word-list" in parser._option_string_actions
    if has_word_list:
        argv += ["--word-list", word_list]
    if document is not None:
        doc_path = Path(tempfile.mkdtemp()) / "long.txt"
        doc_path.write_text(document, encoding="utf-8")
        argv.append(str(doc_path))
    args = parser.parse_args(argv)
    window = build_window(args, Settings(Path(tempfile.mkdtemp()) / "b.ini"))
    window.show()
    ctl = window.suggestions
    wait_until(lambda: ctl.model_name is not None, 60)
    if has_word_list:
        probe.wait_for_word_list(window, 60)
    service = ctl.service
    if hasattr(service._suggester, "cache"):
        service.update_config(neural_cache=neural_cache)
    if document is not None:
        window.editor.moveCursor(QTextCursor.MoveOperation.End)

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


def measure(folder: Path, keys: int, gap_ms: float, step_n: int, word_list: bool = False
            ) -> dict:
    """Every sample of one round: steps, then typing with the poem and the large model (and,
    with `word_list`, again with the Portuguese word list)."""
    bundled_model_path = editor_module("resources").bundled_model_path
    data: dict = {"load": os.getloadavg()[0], "step": bench_step(folder, step_n), "typing": {},
                  "typing_pt": {}, "reread": bench_reread(folder)}
    for name, path in (("poem", bundled_model_path()), (LARGE, large_model(folder))):
        lat, cpu, comp, gui = type_passage(path, keys, gap_ms)
        data["typing"][name] = {"latency": lat, "cpu": cpu, "compute": comp, "gui": gui}
        if word_list:
            lat, cpu, comp, gui = type_passage(path, keys, gap_ms, "pt")
            data["typing_pt"][name] = {"latency": lat, "cpu": cpu, "compute": comp, "gui": gui}
    return data


def print_round(data: dict, args: argparse.Namespace) -> None:
    header("Model step: one token, state in and out (onnxruntime vs PyTorch eager, same weights)")
    for name, s in data["step"].items():
        print(row(f"{name}: onnxruntime", s["ort"]))
        print(row(f"{name}: PyTorch eager", s["torch"]))
        ratio = statistics.median(s["torch"]) / statistics.median(s["ort"])
        print(f"| {name}: ratio of medians (torch / ort){'':<10} | {ratio:8.2f} |")
        if "ort lean" in s:
            print(row(f"{name}: onnxruntime, panel hidden", s["ort lean"]))
            ratio = statistics.median(s["torch"]) / statistics.median(s["ort lean"])
            print(f"| {name}: ratio (torch / ort, panel hidden){'':<5} | {ratio:8.2f} |")
    print(row("large: re-read 350 tokens (window moved), CPU", data["reread"]))
    header(f"Keystroke → strip and ghost text updated, real window offscreen ({args.keys} keys)")
    for name, t in data["typing"].items():
        print(row(f"{name}: latency", t["latency"]))
        print(row(f"{name}: ranking on the worker", t["compute"]))
        if name in data.get("typing_pt", {}):
            print(row(f"{name} + pt word list: latency", data["typing_pt"][name]["latency"]))
            print(row(f"{name} + pt word list: ranking on the worker",
                      data["typing_pt"][name]["compute"]))
    header(f"CPU time per keystroke, all threads, {args.gap_ms:.0f} ms idle gap included")
    for name, t in data["typing"].items():
        print(row(f"{name}: process CPU per key", t["cpu"]))
        print(row(f"{name}:  GUI thread (keys, painting)", t["gui"]))
        print(row(f"{name}:  ranking on the worker", t["compute"]))
        rest = [a - b - g for a, b, g in zip(t["cpu"], t["compute"], t["gui"], strict=True)]
        print(row(f"{name}:  beyond both (thread pools)", rest))


def ort_defaults(folder: Path, args: argparse.Namespace) -> None:
    """onnxruntime's default session options, for comparison: its pool spins between calls."""
    import onnxruntime as ort

    lm_module = editor_module("lm")
    bundled_model_path = editor_module("resources").bundled_model_path
    lm_module.session_options = ort.SessionOptions  # type: ignore[assignment]
    for name, path in (("poem", bundled_model_path()), (LARGE, large_model(folder))):
        _, cpu, comp, gui = type_passage(path, max(30, args.keys // 4), args.gap_ms)
        print(row(f"{name}: process CPU per key, ORT defaults", cpu))
        rest = [a - b - g for a, b, g in zip(cpu, comp, gui, strict=True)]
        print(row(f"{name}:  beyond both, ORT defaults", rest))


def long_document_table(folder: Path, args: argparse.Namespace) -> None:
    """Typing at the end of a long document, with the neural cache full and switched off."""
    bundled_model_path = editor_module("resources").bundled_model_path
    document = long_document(args.document_words)
    header(f"Keystroke → suggestions at the end of a {args.document_words}-word document "
           f"({args.keys} keys)")
    for name, path in (("poem", bundled_model_path()), (LARGE, large_model(folder))):
        for on in (True, False):
            lat, _, comp, _ = type_passage(path, args.keys, args.gap_ms, document=document,
                                           neural_cache=on)
            what = "neural cache" if on else "no neural cache"
            print(row(f"{name}, {what}: latency", lat))
            print(row(f"{name}, {what}: ranking on the worker", comp))


# -- before and after ----------------------------------------------------------------------------
def unpack(rev: str, where: Path) -> Path:
    """The tree of commit `rev`, unpacked into `where` (build outputs are not in it)."""
    where.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def child(tree: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(Path(__file__).resolve()), "--tree", str(tree),
                           *extra], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(tree)), check=False)


def compare(args: argparse.Namespace) -> int:
    label = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.compare],
                           capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": unpack(args.compare, Path(tmp) / "before"), "after": ROOT}
        pooled: dict[str, list[dict]] = {side: [] for side in trees}
        for side, tree in trees.items():  # each tree exports its models with its own exporter
            done = child(tree, "--make-models", str(Path(tmp) / f"models-{side}"))
            if done.returncode:
                sys.stderr.write(done.stderr)
                return done.returncode
        for r in range(args.rounds):
            order = list(trees) if r % 2 == 0 else list(reversed(trees))
            for side in order:
                out = Path(tmp) / f"{side}-{r}.json"
                done = child(trees[side], "--models", str(Path(tmp) / f"models-{side}"),
                             "--json", str(out), "--keys", str(args.keys), "--gap-ms",
                             str(args.gap_ms), "--step-n", str(args.step_n))
                if done.returncode:
                    sys.stderr.write(done.stderr)
                    return done.returncode
                pooled[side].append(json.loads(out.read_text()))
                print(f"round {r + 1}/{args.rounds} {side} done (load {pooled[side][-1]['load']:.1f})",
                      file=sys.stderr, flush=True)
    print_comparison(pooled, label, args)
    return 0


def print_comparison(pooled: dict[str, list[dict]], label: str, args: argparse.Namespace) -> None:
    def samples(side: str, *path: str) -> list[float]:
        values: list[float] = []
        for data in pooled[side]:
            node = data
            for key in path:
                node = node[key]
            values += node
        return values

    def cell(side: str, path: tuple[str, ...], how: str, scale: float = 1.0, unit: str = "ms"
             ) -> str:
        v = samples(side, *path)
        med, p99 = statistics.median(v) * scale, pct(v, 99) * scale
        return f"{med:.3g} {unit}" if how == "median" else f"{p99:.3g} {unit} (median {med:.3g})"

    def shipped(side: str) -> str:
        """The large model's step row as that tree's caminho-train writes the file."""
        return "large int8" if "large int8" in pooled[side][0]["step"] else "large"

    def ratio(side: str, name: str) -> str:
        eager = statistics.median(samples(side, "step", name, "torch"))
        return f"{eager / statistics.median(samples(side, 'step', name, 'ort')):.1f}×"

    rows = [
        ("one model step, poem-sized, onnxruntime (median)",
         lambda s: cell(s, ("step", "poem-sized", "ort"), "median", 1e3, "µs")),
        ("one model step, large model (V=12k, H=512), float, onnxruntime (median)",
         lambda s: cell(s, ("step", "large", "ort"), "median")),
        ("one model step, large model as written (int8 where chosen), onnxruntime (median)",
         lambda s: cell(s, ("step", shipped(s), "ort"), "median")),
        ("same step, PyTorch eager ÷ onnxruntime (poem-sized, large as written)",
         lambda s: f"{ratio(s, 'poem-sized')}, {ratio(s, shipped(s))}"),
        ("re-reading 350 tokens when the window moves, large model, CPU (median)",
         lambda s: cell(s, ("reread",), "median")),
        ("keystroke → strip and ghost shown, large model, p99",
         lambda s: cell(s, ("typing", LARGE, "latency"), "p99")),
        ("ranking on the worker, large model, p99",
         lambda s: cell(s, ("typing", LARGE, "compute"), "p99")),
        ("keystroke → shown, poem model, p99",
         lambda s: cell(s, ("typing", "poem", "latency"), "p99")),
        ("GUI thread CPU per key, poem model (median)",
         lambda s: cell(s, ("typing", "poem", "gui"), "median")),
        ("GUI thread CPU per key, large model (median)",
         lambda s: cell(s, ("typing", LARGE, "gui"), "median")),
        ("process CPU per key, large model (median)",
         lambda s: cell(s, ("typing", LARGE, "cpu"), "median")),
    ]
    loads = {s: [d["load"] for d in pooled[s]] for s in pooled}
    print(f"\nBefore ({label}) and after, {args.rounds} alternating rounds of {args.keys} keys "
          f"per model, samples pooled; 1-minute load average at each round's start: "
          + "; ".join(f"{s} {', '.join(f'{x:.1f}' for x in v)}" for s, v in loads.items()) + "\n")
    print(f"| figure | before ({label}) | after |")
    print("|---|---|---|")
    for name, fn in rows:
        print(f"| {name} | {fn('before')} | {fn('after')} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=120, help="keystrokes typed per model")
    parser.add_argument("--gap-ms", type=float, default=100.0, help="pause between keystrokes")
    parser.add_argument("--step-n", type=int, default=2000, help="poem-sized steps timed")
    parser.add_argument("--compare", metavar="REV", help="before (REV) and after in one run")
    parser.add_argument("--rounds", type=int, default=3, help="with --compare")
    parser.add_argument("--tree", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--models", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--make-models", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="sys.setswitchinterval for the measured process (an experiment)")
    parser.add_argument("--document-words", type=int, default=200_000,
                        help="also type at the end of a document this long (0: skip)")
    parser.add_argument("--only-document", action="store_true",
                        help="only the long-document table")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree))
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    if args.compare:
        return compare(args)
    if args.make_models:
        make_models(args.make_models)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.models or Path(tmp)
        make_models(folder)
        if args.only_document:
            long_document_table(folder, args)
            return 0
        data = measure(folder, args.keys, args.gap_ms, args.step_n, word_list=not args.json)
        if args.json:
            args.json.write_text(json.dumps(data))
            return 0
        print_round(data, args)
        if args.document_words:
            long_document_table(folder, args)
        ort_defaults(folder, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
