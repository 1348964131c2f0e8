"""The model's rare entries share their network probability by the word list's frequencies
(issue 15; editor/core/suggest.py `rare_by_list`, editor/core/lm.py `rare_entries`)."""

from __future__ import annotations

import numpy as np
import pytest

from editor.core.lexicon import Lexicon
from editor.core.lm import LanguageModel, rare_entries
from editor.core.suggest import SuggestConfig, Suggester
from training.after_training import expand_vocabulary
from training.data import Vocabulary
from training.export import export_model, random_model

LEARNT = ["<unk>", "<doc>", "o", "a", "de", "pedra", "caminho", "vou", "e", "que"]
RARE = ["cantamos", "cantando", "cantar", "canto"]  # seen once: learnt as <unk>


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    model = random_model(len(LEARNT))
    tokens = LEARNT + RARE
    vocab = Vocabulary(tokens, list(tokens), [0, 0] + [9] * (len(LEARNT) - 2) + [1] * len(RARE))
    # Good-Turing gives every word seen once the same share: the network cannot tell them apart.
    big = expand_vocabulary(model, vocab, (np.full(len(RARE), 0.1), 0.6))
    out = tmp_path_factory.mktemp("rare") / "rare.onnx"
    export_model(big, out, vocab=tokens, training={"corpus": [], "random": True}, check=False)
    return out


def lexicon() -> Lexicon:
    # "canto" is the common one; "cantamos" is missing, so it counts as the list's rarest.
    return Lexicon.from_words("pt", {"canto": 3e-5, "cantar": 1e-5, "cantando": 5e-6,
                                     "pedra": 1e-4, "caminho": 1e-4, "zebra": 1e-8})


def test_the_rare_entries_are_found_from_the_file_alone(path):
    model = LanguageModel.load(path)
    assert [model.info.vocab[i] for i in rare_entries(model)] == RARE


def test_a_file_without_rare_entries_has_none(tmp_path):
    from training.export import export_random_model

    model = LanguageModel.load(export_random_model(tmp_path / "plain.onnx", 40))
    assert len(rare_entries(model)) == 0


def test_the_word_list_tells_the_rare_entries_apart(path):
    model = LanguageModel.load(path)
    text = "vou can"
    # Without the list the network's ties are broken alphabetically, and the common "canto"
    # is not among the first three.
    plain = Suggester(model, SuggestConfig())
    assert [c.norm for c in plain.suggest(text).candidates] == RARE[:3]
    ranked = Suggester(model, SuggestConfig())
    ranked.set_lexicon(lexicon())
    words = [c.norm for c in ranked.suggest(text).candidates]
    assert words == ["canto", "cantar", "cantando"]
    # The rare entries' network mass is re-divided, not grown: next-word ranking before any
    # letter keeps its total for them.
    ids = [model.ids[w] for w in RARE]
    logits = model.run([model.doc_id, model.ids["vou"]], *model.zero_state()).logits[-1]
    before = plain.model_distribution([model.doc_id], logits)
    after = ranked.model_distribution([model.doc_id], logits)
    assert after[ids].sum() == pytest.approx(before[ids].sum(), rel=1e-6)
    assert np.allclose(np.delete(after, ids), np.delete(before, ids))
    # Switched off, the list leaves them even.
    off = Suggester(model, SuggestConfig(rare_by_list=0.0))
    off.set_lexicon(lexicon())
    assert [c.norm for c in off.suggest(text).candidates][:3] == RARE[:3]
