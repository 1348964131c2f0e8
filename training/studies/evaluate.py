"""`caminho-train evaluate` with the studies' knobs (docs/BENCHMARKS.md), not shipped:

    python -m training.studies.evaluate MODEL TEXT [evaluate options]
        [--cache-weight X] [--unknown-repeat X] [--ngram-weight X]
        [--train CORPUS... [--no-seed] [--seed-model PATH] [--seed-epochs N]]

The ranking weights were tuned with the first three; with --train, the seed's per-line LSTM
(training/studies/seed_baseline.py) is trained on that text and measured beside the trigram.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from training import cli
from training.errors import TrainError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m training.studies.evaluate",
        description="caminho-train evaluate with the ranking weights as options and, with "
                    "--train, the seed's per-line LSTM as a second baseline (a study: "
                    "docs/BENCHMARKS.md).")
    cli.add_evaluate_arguments(p)
    p.add_argument("--cache-weight", type=float, default=None, metavar="X",
                   help="weight of the document-word cache (default: the editor's)")
    p.add_argument("--unknown-repeat", type=float, default=None, metavar="X",
                   help="share of the <unk> mass for unknown words already in the document "
                        "(default: the editor's)")
    p.add_argument("--ngram-weight", type=float, default=None, metavar="X",
                   help="the LSTM's weight against the model file's n-gram (default: the "
                        "weight stored with it; 1: the LSTM alone)")
    p.add_argument("--no-seed", action="store_true",
                   help="with --train, leave out the seed baseline (it trains for minutes)")
    p.add_argument("--seed-model", metavar="PATH", default=None,
                   help="keep the trained seed baseline here and reuse it when it matches")
    p.add_argument("--seed-epochs", type=int, default=None, metavar="N",
                   help="epochs for the seed baseline (default 200, as the seed trained)")
    return p


def suggest_config(args: argparse.Namespace) -> Any:
    """The editor's ranking settings, with the weights given on the command line."""
    from editor.core.suggest import SuggestConfig

    config = SuggestConfig()
    if args.cache_weight is not None:
        if not 0 <= args.cache_weight < 1:
            raise TrainError("--cache-weight must be in [0, 1)")
        config.cache_weight = args.cache_weight
    for name in ("unknown_repeat", "ngram_weight"):
        value = getattr(args, name)
        if value is not None:
            if not 0 <= value <= 1:
                raise TrainError(f"--{name.replace('_', '-')} must be in [0, 1]")
            setattr(config, name, value)
    return config


def seed_systems(args: argparse.Namespace) -> Any:
    """`cmd_evaluate`'s `extra`: the seed baseline, trained on --train (or reused)."""
    def extra(model: Any, train_tokens: list[Any] | None, config: Any) -> list[Any]:
        if train_tokens is None or args.no_seed:
            return []
        from training.studies.seed_baseline import (
            SeedConfig,
            load_or_train,
            seed_system,
            training_lines,
        )

        seed_config = SeedConfig()
        if args.seed_epochs is not None:
            if args.seed_epochs < 1:
                raise TrainError("--seed-epochs must be at least 1")
            seed_config = replace(seed_config, epochs=args.seed_epochs)
        cli._need_torch()

        def progress(epoch: int, loss: float, seconds: float) -> None:
            if not args.quiet:
                print(f"\rseed baseline: epoch {epoch}/{seed_config.epochs}, loss {loss:.3f}, "
                      f"{seconds:.0f} s", end="\n" if epoch == seed_config.epochs else "",
                      file=sys.stderr, flush=True)

        lines = training_lines(train_tokens, model.lm.encode)
        path = Path(args.seed_model) if args.seed_model else None
        seed = load_or_train(lines, len(model.vocab), seed_config, path, progress=progress)
        return [seed_system(model, seed, config)]

    return extra


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return cli.run(lambda a: cli.cmd_evaluate(a, suggest_config(a), seed_systems(a)), args)


if __name__ == "__main__":
    sys.exit(main())
