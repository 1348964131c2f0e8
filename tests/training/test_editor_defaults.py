"""The training defaults the editor relies on come from one place (issue 14).

The training dialog estimates a run's length and time without importing `training` (the packaged
editor has no torch): it reads caminho-train's defaults from editor/core/trainer.py, and training
takes them from there. These tests fail if either side grows a copy of its own.
"""

from __future__ import annotations

import pytest

from editor.core import trainer
from training.cli import build_parser
from training.config import TrainConfig
from training.data import load_documents
from training.errors import CorpusError


def test_the_trainer_uses_the_numbers_the_dialog_estimates_with():
    config = TrainConfig()
    assert config.max_vocab == trainer.MAX_VOCAB
    assert config.tiny_tokens == trainer.TINY_TOKENS
    assert config.epochs == trainer.MAX_EPOCHS


def test_the_cli_shows_and_applies_those_defaults():
    # What `caminho-train train --help` says is what a run without options gets.
    parser = build_parser()
    args = parser.parse_args(["train", "x.txt", "--out", "m.onnx"])
    assert args.max_vocab is None and args.epochs is None  # filled from TrainConfig
    help_text = parser._subparsers._group_actions[0].choices["train"].format_help()
    assert f"default {trainer.MAX_VOCAB}" in " ".join(help_text.split())
    assert f"from {trainer.TINY_TOKENS} tokens on" in " ".join(help_text.split())


def test_a_corpus_below_the_editors_minimum_is_refused(tmp_path):
    # The dialog greys out Train below TRAINER_MIN_TOKENS; the trainer must agree exactly.
    words = [f"w{i}" for i in range(trainer.TRAINER_MIN_TOKENS)]
    enough = tmp_path / "enough.txt"
    enough.write_text(" ".join(words), encoding="utf-8")
    assert load_documents([enough])
    short = tmp_path / "short.txt"
    short.write_text(" ".join(words[:-1]), encoding="utf-8")
    with pytest.raises(CorpusError, match=f"need at least {trainer.TRAINER_MIN_TOKENS}"):
        load_documents([short])
