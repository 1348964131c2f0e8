"""`caminho-train`: train, export, evaluate and recite word-level LSTM models for Caminho.

Errors a user can fix (a missing or binary corpus, a damaged checkpoint...) are printed as
`caminho-train: error: ...` with exit status 2 and no traceback, like argparse's own errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from training.config import ModelConfig, TrainConfig
from training.errors import TrainError

PROG = "caminho-train"
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


# field -> (type, help); the defaults come from the config dataclasses, shown in --help.
MODEL_OPTIONS = {
    "embedding": (int, "word vector size"),
    "hidden": (int, "LSTM units per layer"),
    "layers": (int, "stacked LSTM layers"),
    "dropout": (float, "dropout on embeddings, between layers and on the output"),
}
TRAIN_OPTIONS = {
    "epochs": (int, "most epochs (tiny corpora stop once learnt, larger ones on validation)"),
    "lr": (float, "AdamW learning rate"),
    "weight_decay": (float, "AdamW weight decay"),
    "batch_size": (int, "parallel streams per batch"),
    "bptt": (int, "tokens per truncated-BPTT chunk"),
    "clip": (float, "gradient norm clipping"),
    "seed": (int, "random seed (same seed, same corpus, same model)"),
    "min_count": (int, "tokens seen fewer times become <unk>"),
    "max_vocab": (int, "vocabulary size limit, specials included (0: none)"),
    "val_fraction": (float, "held-out share for early stopping (default: 0.1, none below "
                            "2000 tokens)"),
    "patience": (int, "epochs without validation improvement before stopping"),
    "doc_separator": (str, "a line holding exactly TEXT separates documents in a file "
                           "(e.g. %%); default: one document per file"),
    "threads": (int, "torch CPU threads (0: 1 for hidden < 256, else one per core up to 4)"),
}


def build_parser() -> argparse.ArgumentParser:
    model_defaults, train_defaults = ModelConfig(), TrainConfig()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train, export, evaluate and recite Caminho's word-level LSTM models.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("train", help="train on text files and export an ONNX model",
                       description="Train on UTF-8 text files (one document per file) and "
                                   "export the model for the editor.")
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="UTF-8 text files")
    p.add_argument("--out", required=True, metavar="MODEL.onnx", help="model file to write")
    metavars = {int: "N", float: "X", str: "TEXT"}
    for name, (kind, text) in MODEL_OPTIONS.items():
        default = getattr(model_defaults, name)
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None,
                       metavar=metavars[kind], help=f"{text} (default {default})")
    p.add_argument("--tie", action="store_true", default=None,
                   help="tie the decoder to the embedding (adds a projection if sizes differ)")
    for name, (kind, text) in TRAIN_OPTIONS.items():
        default = getattr(train_defaults, name)
        shown = "" if "default" in text or default is None else f" (default {default})"
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None,
                       metavar=metavars[kind], help=text + shown)
    p.add_argument("--checkpoint", metavar="PATH", help="save a resumable checkpoint here")
    p.add_argument("--resume", metavar="PATH", help="continue the run saved in this checkpoint")
    p.add_argument("--progress-json", action="store_true",
                   help="print one JSON line per epoch on stdout (for a GUI)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--no-check", action="store_true",
                   help="skip the onnxruntime parity check after export")

    p = sub.add_parser("export", help="export a checkpoint as an ONNX model")
    p.add_argument("checkpoint", metavar="CHECKPOINT")
    p.add_argument("--out", required=True, metavar="MODEL.onnx")
    p.add_argument("--no-check", action="store_true", help="skip the parity check")

    p = sub.add_parser("evaluate", help="next-token accuracy and perplexity on a text "
                                        "(onnxruntime)")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("text", metavar="TEXT", help="UTF-8 text file")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")

    p = sub.add_parser("recite", help="greedy generation from <doc> (and a prompt)")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--words", type=int, default=200, metavar="N",
                   help="stop after N tokens if <doc> does not come first (default 200)")
    p.add_argument("--prompt", default="", help="text to start from (default: nothing)")
    return parser


def _explicit(args: argparse.Namespace, names: dict[str, Any]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n) is not None}


def cmd_train(args: argparse.Namespace) -> int:
    from training.data import load_documents

    model_opts = _explicit(args, {**MODEL_OPTIONS, "tie": None})
    train_opts = _explicit(args, TRAIN_OPTIONS)
    try:
        model_config = replace(ModelConfig(), **model_opts)
        train_config = replace(TrainConfig(), **train_opts)
    except ValueError as exc:
        raise TrainError(str(exc)) from None
    out = Path(args.out)
    if out.is_dir():
        raise TrainError(f"--out {out} is a directory")
    # Read the corpus before importing torch (seconds): a bad file is reported at once.
    documents = None
    if not args.resume:
        documents = load_documents(args.corpus, separator=train_config.doc_separator)

    _need_torch()
    from training.export import export_model
    from training.progress import ProgressBar
    from training.train import train

    bar = None if args.quiet else ProgressBar(sys.stderr)

    def progress(report: Any) -> None:
        if bar is not None:
            bar.epoch(report)
        if args.progress_json:
            print(report.to_json(), flush=True)

    def on_batch(epoch: int, fraction: float) -> None:
        if bar is not None:
            bar.batch(epoch, train_config.epochs, fraction)

    try:
        result = train(
            args.corpus, model_config, train_config,
            checkpoint=args.checkpoint, resume=args.resume,
            progress=progress, on_batch=on_batch,
            explicit={**model_opts, **train_opts}, documents=documents,
        )
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        saved = args.checkpoint and Path(args.checkpoint).is_file()
        where = f"; continue with --resume {args.checkpoint}" if saved else ""
        print(f"{PROG}: interrupted{where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if bar is not None:
        bar.close()
    report = export_model(result.model, out, vocab=result.vocab.tokens,
                          surface=result.vocab.surface, training=result.facts(),
                          check=not args.no_check)
    m = result.metrics
    summary = (f"{result.stopped}. {result.epochs} epochs, {result.seconds:.1f} s; "
               f"training accuracy {m['train_accuracy']:.1%}")
    if "val_accuracy" in m:
        summary += f", validation accuracy {m['val_accuracy']:.1%}, perplexity {m['val_perplexity']:.1f}"
    if not args.quiet:
        print(summary, file=sys.stderr)
        print(_export_line(report), file=sys.stderr)
    if args.progress_json:
        print(json.dumps({"done": True, "model": str(out), "epochs_run": result.epochs,
                          "seconds": round(result.seconds, 3), "stopped": result.stopped,
                          "metrics": m}), flush=True)
    return 0


def _export_line(report: Any) -> str:
    line = f"wrote {report.path} ({report.bytes / 1024:.0f} KiB)"
    if report.parity:
        line += f"; onnxruntime matches PyTorch within {report.max_diff:.1e}"
    return line


def _need_torch() -> None:
    import importlib.util

    missing = [m for m in ("torch", "onnx", "onnxscript") if importlib.util.find_spec(m) is None]
    if missing:
        raise TrainError(
            f"training and export need {', '.join(missing)}, which this installation lacks; "
            "install the training extra: pip install torch==2.13.0 -e '.[train]'"
        )


def cmd_export(args: argparse.Namespace) -> int:
    _need_torch()
    from training.export import export_checkpoint

    report = export_checkpoint(args.checkpoint, args.out, check=not args.no_check)
    print(_export_line(report), file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from training.data import read_text
    from training.evaluate import OnnxModel, evaluate_text

    model = OnnxModel.load(args.model)
    text = read_text(args.text)
    result = evaluate_text(model, text)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"model        {Path(args.model).name} ({len(model.vocab)} tokens, "
          f"{model.layers}x{model.hidden} LSTM)")
    print(f"text         {Path(args.text).name}: {result.tokens} targets, {result.words} words, "
          f"{result.unknown} unknown")
    print(f"top-1        {result.top1:.1%}")
    print(f"top-3        {result.top3:.1%}")
    print(f"next word    {result.word_top1:.1%} top-1, {result.word_top3:.1%} top-3")
    print(f"perplexity   {result.perplexity:.2f}")
    return 0


def cmd_recite(args: argparse.Namespace) -> int:
    from training.evaluate import OnnxModel, recite

    if args.words < 0:
        raise TrainError("--words must be 0 or more")
    model = OnnxModel.load(args.model)
    result = recite(model, args.prompt, args.words)
    if result.unknown_prompt:
        print(f"{PROG}: note: not in the model's vocabulary: {', '.join(result.unknown_prompt)}",
              file=sys.stderr)
    text = result.text
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


COMMANDS = {"train": cmd_train, "export": cmd_export, "evaluate": cmd_evaluate,
            "recite": cmd_recite}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except TrainError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # e.g. --out in a folder that cannot be written
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{PROG}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

