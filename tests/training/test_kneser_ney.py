"""The Kneser-Ney trigram baseline: proper distributions and the behaviour that defines KN."""

import numpy as np
import pytest

from editor.core.tokenizer import tokenize
from training.kneser_ney import Discounts, KneserNey

TEXTS = [
    "o gato comeu o peixe.\no gato dormiu.",
    "o cão comeu o osso.\no rato comeu o queijo.",
    "San Francisco fica longe. San Francisco é bonita. San Francisco tem ladeiras.",
    "o gato viu o rato e o cão viu o gato.",
]


def build(texts: list[str]) -> tuple[KneserNey, dict[str, int]]:
    docs = [[t.norm for t in tokenize(text)] for text in texts]
    vocab = ["<unk>", "<doc>"] + sorted({w for d in docs for w in d})
    ids = {t: i for i, t in enumerate(vocab)}
    return KneserNey(vocab, [[ids[w] for w in d] for d in docs]), ids


@pytest.fixture(scope="module")
def kn():
    return build(TEXTS)


@pytest.mark.parametrize("context", [
    [],  # document start: padded with <doc>
    ["<doc>", "o"],  # a seen trigram context
    ["o", "gato"],
    ["comeu", "o"],
    ["peixe", "gato"],  # an unseen pair: the bigram context "gato" alone
    ["bonita", "ladeiras"],  # both unseen after each other, "ladeiras" seen
    ["<unk>", "<unk>"],  # nothing seen at all: unigram level
])
def test_distributions_sum_to_one(kn, context):
    model, ids = kn
    p = model.next_distribution([ids[w] for w in context])
    assert p.shape == (len(model.vocab),)
    assert np.all(p > 0)  # every entry keeps some mass (the uniform floor)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_seen_continuations_win(kn):
    model, ids = kn
    p = model.next_distribution([ids["o"], ids["gato"]])
    # "o gato" was followed by "comeu", "dormiu" and "e"; never by "queijo".
    assert p[ids["comeu"]] > p[ids["queijo"]]
    assert p[ids["dormiu"]] > p[ids["peixe"]]
    p = model.next_distribution([ids["<doc>"], ids["san"]])
    assert int(np.argmax(p)) == ids["francisco"]


def test_continuation_counts_not_raw_counts(kn):
    """The KN idea: "francisco" is frequent but only ever after "san", so in a new context it
    is less likely than "o", which follows many different words."""
    model, ids = kn
    unseen = model.next_distribution([ids["<unk>"], ids["<unk>"]])
    assert unseen[ids["o"]] > unseen[ids["francisco"]]


def test_returns_copies(kn):
    model, ids = kn
    p = model.next_distribution([ids["o"], ids["gato"]])
    p[:] = 0
    assert model.next_distribution([ids["o"], ids["gato"]]).sum() == pytest.approx(1.0)


def test_discount_estimates_stay_in_range():
    counts = np.array([1] * 50 + [2] * 20 + [3] * 10 + [4] * 5 + [9] * 3)
    d = Discounts.estimate(counts)
    assert 0 < d.d1 < 1 and 0 < d.d2 < 2 and 0 < d.d3 < 3
    assert d.d1 < d.d2 < d.d3  # Chen & Goodman: more is discounted from larger counts
    tiny = Discounts.estimate(np.array([1, 1, 1]))  # no count of 2: the fallback, not a crash
    assert 0 < tiny.d1 < 1


def test_a_tiny_corpus_works():
    model, ids = build(["no meio do caminho tinha uma pedra"])
    p = model.next_distribution([ids["meio"], ids["do"]])
    assert int(np.argmax(p)) == ids["caminho"] and p.sum() == pytest.approx(1.0)


def test_stored_in_the_model_file_and_used_by_the_editor(tmp_path, bundled_model):
    """The trigram travels in the model file's metadata; the editor's engine mixes it in."""
    import shutil

    from editor.core.lm import LanguageModel
    from editor.core.modelfile import NgramModel
    from editor.core.suggest import SuggestConfig, Suggester
    from training.kneser_ney import attach, estimate

    path = tmp_path / "poem.onnx"
    shutil.copy(bundled_model, path)
    lm = LanguageModel.load(path)
    assert NgramModel.from_model(lm) is None  # the bundled poem model has none
    ids = lm.ids
    # A trigram that has only ever seen "no meio do pedra": it disagrees with the LSTM.
    text = [ids[w] for w in ("no", "meio", "do", "pedra")]
    ngram = estimate(len(lm.info.vocab), [text], weight=0.25)
    attach(path, ngram)
    lm = LanguageModel.load(path)
    stored = NgramModel.from_model(lm)
    assert stored is not None and stored.weight == 0.25
    context = [lm.doc_id, ids["no"], ids["meio"], ids["do"]]
    assert np.allclose(stored.next_distribution(context), ngram.next_distribution(context))

    lstm_only = Suggester(lm, SuggestConfig(ngram_weight=1.0)).suggest("No meio do ")
    assert lstm_only.words[0] == "caminho"
    mostly_ngram = Suggester(lm, SuggestConfig(ngram_weight=0.05))
    assert mostly_ngram.ngram_weight == 0.05
    assert mostly_ngram.suggest("No meio do ").words[0] == "pedra"
    logits = lm.run(context, *lm.zero_state()).logits[-1]
    p = mostly_ngram.model_distribution(context, logits)
    assert p.sum() == pytest.approx(1.0)
