"""`caminho-train` records the corpus language in the model file (key `language`), which picks
the editor's word list; given with --language or detected from the training text."""

import pytest

from editor.core.lm import LanguageModel
from training.cli import corpus_language
from training.config import ModelConfig
from training.data import Vocabulary
from training.export import metadata

ENGLISH = {"the": 90, "road": 3, "was": 40, "long": 2, "and": 50, "of": 30, "de": 2}
PORTUGUESE = {"de": 80, "que": 60, "não": 30, "the": 3, "estrada": 2}


def vocab(counts: dict[str, int]) -> Vocabulary:
    tokens = ["<unk>", "<doc>", *counts]
    return Vocabulary(tokens, tokens, [0, 0, *counts.values()])


def test_the_corpus_language_is_told_by_its_most_common_words():
    assert corpus_language(vocab(ENGLISH)) == "en"
    assert corpus_language(vocab(PORTUGUESE)) == "pt"
    assert corpus_language(vocab({"pedra": 5, "caminho": 4})) is None  # says too little
    # Without counts (an old checkpoint), which words are there at all decides.
    assert corpus_language(Vocabulary(["<unk>", "<doc>", "the", "and", "of", "was"],
                                      ["<unk>", "<doc>", "the", "and", "of", "was"])) == "en"


@pytest.mark.slow
def test_training_records_the_detected_or_given_language(cli, tmp_path, poem_path):
    out = tmp_path / "poem.onnx"
    small = ("--quiet", "--no-check", "--epochs", "1", "--hidden", "16", "--embedding", "8")
    result = cli("train", poem_path, "--out", out, *small)
    assert result.returncode == 0, result.stderr
    assert LanguageModel.load(out).info.language == "pt"  # detected: "de", "que", "tão"...
    # Given on the command line, it wins over what the text looks like.
    given = tmp_path / "given.onnx"
    result = cli("train", poem_path, "--out", given, *small, "--language", "EN")
    assert result.returncode == 0, result.stderr
    assert LanguageModel.load(given).info.language == "en"


def test_a_bad_language_code_is_a_usage_error(cli, tmp_path, poem_path):
    result = cli("train", poem_path, "--out", tmp_path / "m.onnx", "--language", "português!")
    assert result.returncode == 2 and "not a language code" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_key_is_optional_and_old_files_load(format1_poem):
    tokens = ["<unk>", "<doc>", "a"]
    assert "language" not in metadata(tokens, tokens, ModelConfig(vocab_size=3), {})
    assert metadata(tokens, tokens, ModelConfig(vocab_size=3), {}, "en")["language"] == "en"
    # Files made before the key existed still load, without a language.
    assert LanguageModel.load(format1_poem).info.language is None
