"""The committed poem model, run as the editor runs it (onnxruntime, no torch)."""

import json

import numpy as np
import pytest

from editor.core.tokenizer import DOC, tokenize
from training.evaluate import OnnxModel, compare, recite


@pytest.fixture(scope="module")
def model(bundled_model):
    return OnnxModel.load(bundled_model)


def test_small_file(bundled_model):
    # With its one-token step graph (issue 18) it is 1.4 MB; the 1 MiB budget it had held
    # the main graph and the fused branch only.
    assert bundled_model.stat().st_size < 1.5 * 1024 * 1024


def test_every_next_token_of_the_poem(model, poem_path):
    """Fed from <doc> one token at a time, state carried, it predicts every next token."""
    text = poem_path.read_text(encoding="utf-8")
    ids = model.ids
    stream = [ids[DOC]] + [ids[t.norm] for t in tokenize(text)] + [ids[DOC]]
    h, c = model.zero_state()
    wrong = []
    for k in range(len(stream) - 1):
        logits, h, c = model.run([stream[k]], h, c)
        if int(np.argmax(logits[-1])) != stream[k + 1]:
            wrong.append((k, model.vocab[stream[k + 1]], model.vocab[int(np.argmax(logits[-1]))]))
    assert wrong == []
    assert len(stream) - 1 == 76  # line breaks, punctuation and the closing <doc> included


def test_evaluate_reports_100_percent(model, poem_path):
    # What `caminho-train evaluate --json` reports for the poem model on its own poem.
    result = compare(model, [poem_path.read_text(encoding="utf-8")]).to_dict()
    assert result["tokens"] == 76 and result["words"] == 61 and result["unknown"] == 0
    assert result["top1"] == result["word_top1"] == result["top3"] == 1.0
    assert result["perplexity"] < 1.2


@pytest.mark.parametrize("prompt", ["No", ""])
def test_recite_reproduces_the_poem(model, poem_path, prompt):
    result = recite(model, prompt, max_tokens=200)
    assert result.stopped_at_doc
    assert result.text == poem_path.read_text(encoding="utf-8")
    assert len([line for line in result.text.splitlines() if line]) == 10


def test_recite_stops_after_n_tokens(model):
    result = recite(model, "No", max_tokens=3)
    assert result.text == "No meio do caminho" and not result.stopped_at_doc


def test_metadata_describes_the_run(model):
    training = json.loads(model.meta["training"])
    assert training["corpus"] == ["no-meio-do-caminho.txt"]
    assert training["tokens"] == 75 and training["metrics"]["train_accuracy"] == 1.0
    assert json.loads(model.meta["sizes"])["layers"] == model.layers


def test_editor_loads_the_bundled_model(bundled_model):
    lm = pytest.importorskip("editor.core.lm")
    loaded = lm.LanguageModel.load(bundled_model)
    assert loaded.info.vocab[:2] == ["<unk>", "<doc>"]
