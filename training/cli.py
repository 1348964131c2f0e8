"""`caminho-train`: train, export, evaluate and recite word-level LSTM models for Caminho.

Errors a user can fix (a missing or binary corpus, a damaged checkpoint...) are printed as
`caminho-train: error: ...` with exit status 2 and no traceback, like argparse's own errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from training.config import (
    AUTO_ADAPTIVE_VOCAB,
    CELLS,
    DEVICE_CHOICES,
    SOFTMAX_CHOICES,
    ModelConfig,
    TrainConfig,
)
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
    "weight_drop": (float, "DropConnect on the LSTM's hidden-to-hidden weights"),
    "embed_drop": (float, "share of word types dropped from the embedding per batch"),
    "rare_below": (int, "words seen fewer times are learnt as <unk> and exported sharing its "
                        "vector (1: off)"),
}
# Switches: --name / --no-name; None when not given, so corpus-size defaults can apply.
MODEL_SWITCHES = {"tie": "tie the decoder to the embedding (adds a projection if sizes differ)"}
TRAIN_SWITCHES = {
    "variable_bptt": "vary the BPTT length around --bptt from chunk to chunk",
    "ngram": "store a Kneser-Ney trigram in the model, mixed in with the weight that does best "
             "on the validation split",
}


def _default_text(name: str, default: Any) -> str:
    """'(default X)', plus the corpus-size default where the study set one."""
    from training.config import CORPUS_DEFAULTS, TrainConfig

    def show(v: Any) -> str:
        return ("on" if v else "off") if isinstance(v, bool) else str(v)

    text = f"default {show(default)}"
    if name in CORPUS_DEFAULTS:
        text += f"; {show(CORPUS_DEFAULTS[name])} from {TrainConfig().tiny_tokens} tokens on"
    return f" ({text})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train, export, evaluate and recite Caminho's word-level LSTM models.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add_train_arguments(sub.add_parser(
        "train", help="train on text files and export an ONNX model",
        description="Train on UTF-8 text files (one document per file) and export the model "
                    "for the editor."))

    p = sub.add_parser("export", help="export a checkpoint as an ONNX model")
    p.add_argument("checkpoint", metavar="CHECKPOINT")
    p.add_argument("--out", required=True, metavar="MODEL.onnx")
    p.add_argument("--corpus", nargs="+", metavar="CORPUS", default=None,
                   help="the files the checkpoint was trained on: with them the model gets "
                        "what `train` adds at the end (rare words, the trigram)")
    p.add_argument("--no-check", action="store_true", help="skip the parity check")
    p.add_argument("--language", metavar="CODE", type=_language_code,
                   help="the corpus language to record (default: detected, with --corpus)")
    p.add_argument("--force", action="store_true", help="replace an existing model at --out")
    _add_weights_argument(p)
    p.add_argument("--int8", dest="weights", action="store_const", const="int8",
                   help="the same as --weights int8")

    add_evaluate_arguments(sub.add_parser(
        "evaluate", help="keystroke savings, next-word accuracy and perplexity on a text",
        description="Measure a model through the editor's suggestion engine (onnxruntime): "
                    "keystroke savings with the strip and with the ghost text, in-document "
                    "learning on and off, next-word accuracy and perplexity. With --train, "
                    "also a Kneser-Ney trigram trained on that text, as a baseline."))

    p = sub.add_parser("recite", help="greedy generation from <doc> (and a prompt)")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--words", type=int, default=200, metavar="N",
                   help="stop after N tokens if <doc> does not come first (default 200)")
    p.add_argument("--prompt", default="", help="text to start from (default: nothing)")
    return parser


def add_train_arguments(p: argparse.ArgumentParser,
                        study_options: dict[str, tuple[type, str]] | None = None) -> None:
    """`train`'s arguments; `study_options`: more TrainConfig fields as options, for the
    studies (training/studies/) that the shipped command leaves out."""
    model_defaults, train_defaults = ModelConfig(), TrainConfig()
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="UTF-8 text files")
    p.add_argument("--out", required=True, metavar="MODEL.onnx", help="model file to write")
    metavars = {int: "N", float: "X", str: "TEXT"}
    for name, (kind, text) in MODEL_OPTIONS.items():
        default = getattr(model_defaults, name)
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None,
                       metavar=metavars[kind], help=text + _default_text(name, default))
    for name, text in MODEL_SWITCHES.items():
        p.add_argument(f"--{name.replace('_', '-')}", action=argparse.BooleanOptionalAction,
                       default=None, help=text + _default_text(name, getattr(model_defaults, name)))
    p.add_argument("--cell", choices=CELLS, default=None,
                   help="the recurrent cell: lstm, gru, or rnn (a plain Elman RNN with tanh), to "
                        f"compare them in the editor (default {model_defaults.cell})")
    for name, (kind, text) in {**TRAIN_OPTIONS, **(study_options or {})}.items():
        default = getattr(train_defaults, name)
        shown = "" if "default" in text or default is None else _default_text(name, default)
        p.add_argument(f"--{name.replace('_', '-')}", type=kind, default=None,
                       metavar=metavars[kind], help=text + shown)
    for name, text in TRAIN_SWITCHES.items():
        p.add_argument(f"--{name.replace('_', '-')}", action=argparse.BooleanOptionalAction,
                       default=None, help=text + _default_text(name, getattr(train_defaults, name)))
    p.add_argument("--softmax", choices=SOFTMAX_CHOICES, default=None,
                   help="output layer in training: full, adaptive (frequent words in a head, "
                        "rarer ones in clusters: several times faster on large vocabularies) or "
                        f"auto (adaptive from {AUTO_ADAPTIVE_VOCAB} learnt words on; default); the "
                        "model file is the same kind either way")
    p.add_argument("--time-budget", metavar="DURATION", default=None,
                   help="finish (trained, exported and checked) within this wall-clock time, "
                        "e.g. 10m, 90s or 1h30m: epochs and learning rate are planned to fit")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto",
                   help="where to train: auto (a CUDA GPU when there is one), cpu or cuda; the "
                        "model file is the same (default auto)")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="save a resumable checkpoint here and keep it (default: MODEL.onnx.ckpt, "
                        "deleted once the model is written)")
    p.add_argument("--resume", metavar="PATH", help="continue the run saved in this checkpoint")
    p.add_argument("--force", action="store_true",
                   help="replace an existing model at --out (and a checkpoint an unfinished run "
                        "left beside it)")
    p.add_argument("--progress-json", action="store_true",
                   help="print one JSON line per epoch on stdout (for a GUI)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--no-check", action="store_true",
                   help="skip the onnxruntime parity check after export")
    _add_weights_argument(p)
    p.add_argument("--language", metavar="CODE", type=_language_code,
                   help="the corpus language recorded in the model (pt, en, ...), which picks "
                        "the editor's word list (default: detected from the text's most "
                        "common words; none recorded if unclear)")



def add_evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL")
    p.add_argument("text", metavar="TEXT", help="UTF-8 text file (held out from training)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument("--doc-separator", metavar="TEXT", default=None,
                   help="a line holding exactly TEXT separates documents (e.g. %%); each "
                        "document is typed from its start")
    p.add_argument("--train", nargs="+", metavar="CORPUS", default=None,
                   help="the model's training text: adds the Kneser-Ney baseline")
    p.add_argument("--learning", choices=("both", "on", "off"), default="both",
                   help="in-document learning of the engine (default: both)")
    p.add_argument("--word-list", metavar="LANG", default=None,
                   help="also measure the engine completing from this bundled word list "
                        "(pt, en; 'auto': the model's language), as the editor does")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="only the first N documents (for a quick look)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")


def _explicit(args: argparse.Namespace, names: dict[str, Any]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def cmd_train(args: argparse.Namespace) -> int:
    from training.budget import parse_duration
    from training.outputs import check_checkpoint, check_output, checkpoint_beside
    from training.stream import read_corpus

    started = time.monotonic()  # a time budget counts from here
    model_opts = _explicit(args, {**MODEL_OPTIONS, **MODEL_SWITCHES, "softmax": None,
                                  "cell": None})
    # Every TrainConfig field the parser has: the studies add some (add_train_arguments).
    train_opts = _explicit(args, [f.name for f in fields(TrainConfig)])
    try:
        model_config = replace(ModelConfig(), **model_opts)
        train_config = replace(TrainConfig(), **train_opts)
    except ValueError as exc:
        raise TrainError(str(exc), code="options.invalid", reason=exc) from None
    # Where the model and the checkpoint go is checked before anything is read or trained:
    # a run must not replace its own corpus, nor end in a refusal.
    out = Path(args.out)
    inputs = [*args.corpus, *([args.resume] if args.resume else [])]
    check_output(out, inputs, force=args.force)
    own_checkpoint = args.checkpoint is None
    checkpoint = checkpoint_beside(out) if own_checkpoint else Path(args.checkpoint)
    check_checkpoint(checkpoint, out=out, inputs=args.corpus, resume=args.resume,
                     default=own_checkpoint, force=args.force)
    try:
        budget = parse_duration(args.time_budget) if args.time_budget else None
    except ValueError as exc:
        raise TrainError(f"--time-budget: {exc}", code="options.time_budget", reason=exc) from None
    # Read the corpus before importing torch (seconds): a bad file is reported at once.
    documents = None
    if not args.resume:
        documents = read_corpus(args.corpus, separator=train_config.doc_separator)

    _need_torch()
    from training.distributed import setup
    from training.progress import ProgressBar, format_seconds
    from training.train import train

    dist = setup(args.device)  # under torchrun: joins the other processes
    quiet = args.quiet or not dist.is_main  # one process speaks for all
    bar = None if quiet else ProgressBar(sys.stderr)
    if budget is not None and not quiet:
        print(f"time budget {format_seconds(budget)}: training is planned to end in time to "
              "export and check the model", file=sys.stderr)

    def progress(report: Any) -> None:
        if bar is not None:
            bar.epoch(report)
        if args.progress_json and dist.is_main:
            print(report.to_json(), flush=True)

    def on_batch(epoch: int, fraction: float) -> None:
        if bar is not None:
            bar.batch(epoch, train_config.epochs, fraction)

    saved: list[Path] = []  # the checkpoint that holds the trained network, once there is one

    def trained(path: Path | None, problem: str) -> None:
        if bar is not None:
            bar.close()
        if path is None:
            if problem:
                print(f"{PROG}: warning: could not save the trained network in {checkpoint} "
                      f"({problem}); exporting without it", file=sys.stderr)
            return
        saved.append(path)
        if args.progress_json:
            print(json.dumps({"checkpoint": str(path)}), flush=True)
        if not args.quiet:
            kept = "" if not own_checkpoint else " until the model is written"
            print(f"{PROG}: training done; the trained network is saved in {path}{kept}",
                  file=sys.stderr, flush=True)

    try:
        result = train(
            args.corpus, model_config, train_config,
            checkpoint=checkpoint, resume=args.resume,
            progress=progress, on_batch=on_batch,
            explicit={**model_opts, **train_opts}, documents=documents,
            trained=trained, checkpoint_optional=own_checkpoint,
            time_budget=budget, started=started, dist=dist,
        )
        if bar is not None:
            bar.close()
        if result is None:  # a process other than the first of a distributed run
            return 0
        report = _write_model(result, out, check=not args.no_check, language=args.language)
        _apply_weights(out, args.weights, *_sizes(out), quiet=args.quiet)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        if saved:
            print(f"{PROG}: interrupted after training; {_make_it(saved[0], args, out)}",
                  file=sys.stderr)
            return EXIT_INTERRUPTED
        where = f"; continue with --resume {checkpoint}" if checkpoint.is_file() else ""
        print(f"{PROG}: interrupted{where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BaseException as exc:
        if not saved or isinstance(exc, SystemExit):
            raise
        return _failed_after_training(exc, saved[0], args, out)
    finally:
        dist.close()
    if own_checkpoint:
        checkpoint.unlink(missing_ok=True)  # the model holds what the user asked for
    m = result.metrics
    summary = (f"{result.stopped}. {result.epochs} epochs, {result.seconds:.1f} s; "
               f"training accuracy {m['train_accuracy']:.1%}")
    if "val_accuracy" in m:
        summary += f", validation accuracy {m['val_accuracy']:.1%}, perplexity {m['val_perplexity']:.1f}"
    if budget is not None:
        summary += f"; {format_seconds(time.monotonic() - started)} of the {args.time_budget} budget"
    if not args.quiet:
        print(summary, file=sys.stderr)
        print(_export_line(report), file=sys.stderr)
    if args.progress_json:
        print(json.dumps({"done": True, "model": str(out), "epochs_run": result.epochs,
                          "seconds": round(result.seconds, 3), "stopped": result.stopped,
                          "metrics": m}), flush=True)
    return 0


def _make_it(checkpoint: Path, args: argparse.Namespace, out: Path) -> str:
    """How to turn the saved network into the model the run was making: the exact command."""
    import shlex

    command = [PROG, "export", str(checkpoint), "--corpus", *map(str, args.corpus),
               "--out", str(out)]
    if out.exists():
        command.append("--force")
    if args.no_check:
        command.append("--no-check")
    if args.weights != "auto":
        command += ["--weights", args.weights]
    if args.language:
        command += ["--language", args.language]
    return (f"the trained network is saved in {checkpoint}; make the model from it with:\n"
            f"  {shlex.join(command)}")


def _failed_after_training(exc: BaseException, checkpoint: Path, args: argparse.Namespace,
                           out: Path) -> int:
    """A step after training failed (memory, disk, a bug): the run is not lost, say where."""
    # PyTorch reports a failed allocation as a RuntimeError ("DefaultCPUAllocator: can't
    # allocate memory"), numpy as a MemoryError.
    if isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError)
                                        and "allocate memory" in str(exc)):
        error, status = TrainError("out of memory after training",
                                   code="memory.after_training"), EXIT_ERROR
    elif isinstance(exc, TrainError):
        error, status = exc, EXIT_ERROR
    elif isinstance(exc, OSError):
        error, status = os_error(exc), EXIT_ERROR
    else:  # not something a user can fix: keep the traceback for the report
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
        error = TrainError(f"{type(exc).__name__} after training", code="crash.after_training",
                           kind=type(exc).__name__)
        status = 1
    report_error(error, args)
    print(f"{PROG}: {_make_it(checkpoint, args, out)}", file=sys.stderr)
    return status


def os_error(exc: OSError) -> TrainError:
    """An OSError (a full disk, a folder that cannot be written) in the words it always had."""
    reason = str(exc.strerror or exc)
    if exc.filename:
        return TrainError(f"{reason}: {exc.filename}", code="system.file_error", reason=reason,
                          path=exc.filename)
    return TrainError(reason, code="system.error", reason=reason)


def report_error(error: TrainError, args: argparse.Namespace) -> None:
    """`caminho-train: error: ...` on stderr; with --progress-json also the error as a JSON
    line, so that the editor can say it in its user's language (editor/core/trainer.py)."""
    print(f"{PROG}: error: {error}", file=sys.stderr)
    if getattr(args, "progress_json", False):
        print(error.to_json(), flush=True)


def _export_line(report: Any) -> str:
    line = f"wrote {report.path} ({report.bytes / 1024:.0f} KiB)"
    if report.parity:
        line += f"; onnxruntime matches PyTorch within {report.max_diff:.1e}"
    return line


def _add_weights_argument(p: argparse.ArgumentParser) -> None:
    from training.quantize import INT8_FROM_WEIGHTS, WEIGHT_CHOICES

    p.add_argument("--weights", choices=WEIGHT_CHOICES, default="auto",
                   help="int8: 8-bit weights for the output layer, input projection and "
                        "embedding (onnxruntime dynamic quantization): a file about 3× smaller "
                        "and a step up to 2× faster, at a small cost in quality "
                        "(docs/BENCHMARKS.md); float: 32-bit weights; auto (default): int8 "
                        f"when vocabulary × hidden units is at least {INT8_FROM_WEIGHTS:,}, "
                        "after the float file has passed its parity check")


def _apply_weights(out: Path, choice: str, vocab_size: int, hidden: int, *,
                   quiet: bool = False) -> None:
    """Quantize the written model when `--weights` asks for it (auto: by size)."""
    from training.quantize import MAX_AUTO_PROB_SHIFT, quantize_file, wants_int8

    if not wants_int8(choice, vocab_size, hidden):
        return
    q = quantize_file(out, max_prob_shift=MAX_AUTO_PROB_SHIFT if choice == "auto" else None)
    if q.kept_float:
        print(f"{PROG}: note: kept float weights: int8 moved a probability by "
              f"{q.max_prob_diff:.2f} on the probe (more than {MAX_AUTO_PROB_SHIFT})",
              file=sys.stderr)
    elif not quiet:
        print(f"quantized {q.path} to int8: {q.bytes_before / 1024:.0f} KiB -> "
              f"{q.bytes_after / 1024:.0f} KiB; the same top token as the float model at "
              f"{q.top1_agreement:.0%} of a probe's positions (--weights float keeps 32-bit "
              "weights)", file=sys.stderr)


def _need_torch() -> None:
    import importlib.util

    missing = [m for m in ("torch", "onnx", "onnxscript") if importlib.util.find_spec(m) is None]
    if missing:
        raise TrainError(
            f"training and export need {', '.join(missing)}, which this installation lacks; "
            "install the training extra: pip install torch==2.13.0 -e '.[train]'",
            code="setup.missing_packages", packages=", ".join(missing))


def _language_code(text: str) -> str:
    code = text.strip().lower()
    if not (code.isascii() and code.isalpha() and 2 <= len(code) <= 3):
        raise argparse.ArgumentTypeError(f"{text!r} is not a language code such as pt or en")
    return code


def corpus_language(vocab: Any) -> str | None:
    """The training text's language, from how often its most common words occur."""
    from editor.core.language import detect_language

    if vocab.counts:
        return detect_language(dict(zip(vocab.tokens, vocab.counts, strict=False)))
    return detect_language(vocab.tokens)


def _write_model(result: Any, out: Path, *, check: bool, language: str | None = None) -> Any:
    """Export a training result, with its trigram when it has one, and its language."""
    from training.export import export_model

    report = export_model(result.model, out, vocab=result.vocab.tokens,
                          surface=result.vocab.surface, training=result.facts(), check=check,
                          language=language or corpus_language(result.vocab))
    if result.ngram is not None:
        from training.kneser_ney import attach

        attach(out, result.ngram)
    if getattr(result, "cache", None) is not None:
        from training.cache_tune import attach_cache

        attach_cache(out, result.cache)
    return report


def cmd_export(args: argparse.Namespace) -> int:
    from training.outputs import check_output

    check_output(Path(args.out), [args.checkpoint, *(args.corpus or [])], force=args.force)
    _need_torch()
    from training.checkpoint import load_checkpoint
    from training.export import export_checkpoint
    from training.train import finish_checkpoint, needs_corpus

    if args.corpus:
        result = finish_checkpoint(args.checkpoint, args.corpus)
        report = _write_model(result, Path(args.out), check=not args.no_check,
                              language=args.language)
    else:
        report = export_checkpoint(args.checkpoint, args.out, check=not args.no_check,
                                   language=args.language)
        config = TrainConfig.from_dict(load_checkpoint(args.checkpoint)["train_config"])
        if needs_corpus(config):
            print(f"{PROG}: note: exported the network alone; give --corpus with the files it "
                  "was trained on to add the rare words and the trigram, as `train` does",
                  file=sys.stderr)
    print(_export_line(report), file=sys.stderr)
    _apply_weights(Path(args.out), args.weights, *_sizes(Path(args.out)))
    return 0


def _sizes(model_path: Path) -> tuple[int, int]:
    """(vocabulary, hidden units) as the written file states them."""
    from editor.core.lm import LanguageModel

    info = LanguageModel.load(model_path).info
    return info.vocab_size, info.hidden


def _word_list(choice: str | None, model: Any) -> Any:
    """The bundled word list for --word-list (None when not asked for)."""
    if not choice:
        return None
    from editor.core.language import model_language
    from editor.core.lexicon import Lexicon, LexiconError, lexicon_path

    language = choice
    if choice == "auto":
        language = model_language(model.lm.info.language, model.vocab)
        if language is None:
            raise TrainError("--word-list auto: the model does not say its language; "
                             "give --word-list pt or en", code="options.word_list_language")
    try:
        return Lexicon.load(lexicon_path(language), language)
    except LexiconError as exc:
        raise TrainError(f"--word-list {choice}: {exc}", code="options.word_list", choice=choice,
                         reason=exc) from None


def cmd_evaluate(args: argparse.Namespace, config: Any = None,
                 extra: Callable[[Any, list[Any] | None, Any], list[Any]] | None = None) -> int:
    """`evaluate`; a study (training/studies/evaluate.py) gives the engine's `config` and
    `extra(model, training documents' tokens, config)`: more systems to measure."""
    from editor.core.suggest import SuggestConfig
    from training.data import load_documents, read_text, split_documents
    from training.evaluate import OnnxModel, ProgressPrinter, compare, dumps, format_table

    model = OnnxModel.load(args.model)
    documents = split_documents(read_text(args.text), args.doc_separator)
    if args.limit is not None:
        documents = documents[: max(0, args.limit)]
    if not documents:
        raise TrainError(f"{args.text} holds no text to evaluate on", code="evaluate.no_text",
                         path=args.text)
    config = config or SuggestConfig()
    learning = {"both": (True, False), "on": (True,), "off": (False,)}[args.learning]
    train_tokens = None
    progress = None if args.quiet else ProgressPrinter(sys.stderr)
    if args.train:
        train_docs = load_documents(args.train, separator=args.doc_separator)
        train_tokens = [d.tokens for d in train_docs]
    more = extra(model, train_tokens, config) if extra is not None else []
    result = compare(model, documents, config=config, learning=learning,
                     train_documents=train_tokens, extra=more,
                     model_name=Path(args.model).name, text_name=Path(args.text).name,
                     progress=progress, lexicon=_word_list(args.word_list, model))
    if args.json:
        print(dumps(result))
        return 0
    weight = result.settings.get("ngram_weight")
    mixed = f" + trigram, LSTM weight {weight:g}" if weight is not None and weight < 1 else ""
    print(f"model   {Path(args.model).name} ({len(model.vocab)} tokens, "
          f"{model.layers}x{model.hidden} {model.lm.info.cell.upper()}{mixed})")
    print(format_table(result))
    return 0


def cmd_recite(args: argparse.Namespace) -> int:
    from training.evaluate import OnnxModel, recite

    if args.words < 0:
        raise TrainError("--words must be 0 or more", code="options.negative_words")
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


def quiet_waiting_threads() -> None:
    """Let torch's worker threads sleep, not spin, while they wait (before torch is imported:
    OpenMP reads this once). On cores shared with other programs a spinning thread burns the
    time its partner needs: training with two threads on two busy cores ran at 139 tokens a
    second spinning and 1 385 sleeping (docs/BENCHMARKS.md). A setting of the user's wins."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main(argv: list[str] | None = None) -> int:
    quiet_waiting_threads()
    args = build_parser().parse_args(argv)
    return run(COMMANDS[args.command], args)


def run(command: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command, with a user's errors as plain messages and exit status 2."""
    try:
        return command(args)
    except TrainError as exc:
        report_error(exc, args)
        return EXIT_ERROR
    except OSError as exc:  # e.g. --out in a folder that cannot be written
        report_error(os_error(exc), args)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

