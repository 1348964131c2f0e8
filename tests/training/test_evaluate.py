"""The evaluator: the keystroke simulator by hand, the engine on the poem, the JSON it prints."""

import json

import numpy as np
import pytest

from editor.core.suggest import SuggestConfig
from training.evaluate import OnnxModel, compare, format_table
from training.ksr import Offer, RankedPredictor, run_document, simulate, word_spans

# Positions:  a0 b1 _2 c3 d4 ,5 _6 e7 f8 g9 h10 \n11 i12 j13   (14 characters)
# Words:      "ab" [0,2)  "cd" [3,5)  "efgh" [7,11)  "ij" [12,14)
TEXT = "ab cd, efgh\nij"
OFFERS = {  # what is offered after TEXT[:pos]; anything else offers nothing
    0: Offer(("ab", "x", "y"), ghost="ab"),
    3: Offer(("cd", "x", "y"), ghost=None),
    4: Offer(("q", "r", "cd"), ghost="q"),
    7: Offer(("efgh",), ghost=None),
    8: Offer(("efgh",), ghost="efgh"),
    12: Offer(("ij",), ghost=None),
    13: Offer(("ij",), ghost="ij"),
}


class Scripted:
    name = "scripted"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def offer(self, text_before: str) -> Offer:
        self.asked.append(text_before)
        return OFFERS.get(len(text_before), Offer(()))


def offer_at(pos: int) -> Offer:
    return OFFERS.get(pos, Offer(()))


def test_strip_writer_by_hand():
    # pos 0: "ab" offered; a space follows, so accepting (1 key) covers "ab" and the space -> 3.
    # pos 3: "cd" offered; "," follows (the editor drops its own space when "," is typed), so
    #        1 key covers "cd" -> 5.                                            keys so far: 2
    # pos 5, 6: "," and " " typed.                                             keys: 4
    # pos 7: "efgh" offered; a line break follows, so the added space costs a Backspace:
    #        2 keys cover 4 characters -> 11.                                  keys: 6
    # pos 11: the line break typed.                                            keys: 7
    # pos 12: "ij" offered, but at the end of the text 2 keys (accept + Backspace) would
    #         replace 2 letters: not worth it, "i" typed; pos 13 likewise, "j" typed.  keys: 9
    count = simulate(TEXT, offer_at, "strip")
    assert (count.characters, count.keys, count.accepts, count.backspaces) == (14, 9, 3, 1)
    assert count.ksr == pytest.approx(1 - 9 / 14)


def test_ghost_writer_by_hand():
    # pos 0: ghost "ab" -> accepted with the space, 1 key -> 3.                keys: 1
    # pos 3: no ghost, "c" typed; pos 4: ghost "q" is wrong, "d" typed.        keys: 3
    # pos 5, 6: typed.                                                         keys: 5
    # pos 7: no ghost, "e" typed.                                              keys: 6
    # pos 8: ghost "efgh": accept + Backspace (line break follows) = 2 keys for "fgh".  keys: 8
    # pos 11: line break.                                                      keys: 9
    # pos 12: no ghost, "i"; pos 13: ghost "ij" would cost 2 keys for 1 letter, "j" typed.
    count = simulate(TEXT, offer_at, "ghost")
    assert (count.keys, count.accepts, count.backspaces) == (11, 2, 1)
    assert count.ksr == pytest.approx(3 / 14)


def test_document_run_asks_each_position_once():
    predictor = Scripted()
    run = run_document(TEXT, predictor)
    assert run.strip.keys == 9 and run.ghost.keys == 11
    # Word starts: "ab" (top-1), "cd" (top-1), "efgh" (top-1), "ij" (top-1).
    assert (run.hits.words, run.hits.top1, run.hits.top3) == (4, 4, 4)
    assert len(predictor.asked) == len(set(predictor.asked)) == run.offers
    assert all(TEXT.startswith(t) for t in predictor.asked)


def test_word_spans_are_words_and_numbers():
    spans = word_spans("Em 1928, Drummond escreveu: “pedra”!\n")
    assert [s.norm for s in spans] == ["em", "1928", "drummond", "escreveu", "pedra"]


def test_ranked_predictor_ranks_words_by_probability():
    vocab = ["<unk>", "<doc>", "\n", ".", "casa", "caminho", "pedra", "cama", "meio"]
    p = np.array([0.05, 0.0, 0.2, 0.3, 0.1, 0.2, 0.08, 0.02, 0.05])
    pred = RankedPredictor("t", vocab, lambda tokens: p, strip_size=3, ghost_threshold=0.35)
    assert pred.offer("no ").words == ("caminho", "casa", "pedra")  # no "\n" or "."
    assert pred.offer("no ").ghost is None  # 0.2 < 0.35
    offer = pred.offer("no ca")
    assert offer.words == ("caminho", "casa", "cama")
    # P(caminho | "ca") = 0.2 / (0.2 + 0.1 + 0.02 + <unk> 0.05) = 0.54
    assert offer.ghost == "caminho"
    assert pred.offer("no caminho").ghost is None  # already complete: nothing to add


@pytest.fixture(scope="module")
def poem_model(bundled_model):
    return OnnxModel.load(bundled_model)


def test_engine_on_the_poem_gets_every_word(poem_model, poem_path):
    poem = poem_path.read_text(encoding="utf-8")
    c = compare(poem_model, [poem])
    on, off = (r.to_dict() for r in c.results)
    assert c.words == 61 and c.tokens == 76 and c.unknown == 0
    for row in (on, off):
        assert row["word_top1"] == row["word_top3"] == 1.0
        # Every word is accepted before its first letter.
        assert row["strip"]["accepts"] == 61
    assert off["perplexity"] < 1.2
    assert "caminho (learning on)" in format_table(c)


def test_cli_json_fields(cli, bundled_model, poem_path):
    result = cli("evaluate", bundled_model, poem_path, "--json", "--train", poem_path,
                 "--quiet")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("model", "text", "documents", "characters", "words", "unknown_words", "tokens",
                "ksr_strip", "ksr_ghost", "word_top1", "word_top3", "perplexity",
                "word_perplexity", "top1", "top3", "settings", "results"):
        assert key in data, key
    assert data["word_top1"] == 1.0 and data["tokens"] == 76
    rows = {(r["name"], r["learning"]): r for r in data["results"]}
    assert set(rows) == {("caminho", True), ("caminho", False), ("kneser-ney", None)}
    for r in rows.values():
        for key in ("ksr_strip", "ksr_ghost", "word_top1", "word_top3", "perplexity",
                    "word_perplexity", "strip", "ghost", "seconds"):
            assert key in r, key
        assert 0 < r["ksr_strip"] < 1 and r["strip"]["characters"] == data["characters"]
    # The trigram trained on the poem itself knows it well too.
    assert rows[("kneser-ney", None)]["word_top3"] > 0.8
    assert data["settings"]["match"] == "case-insensitive"


def test_the_study_evaluator_takes_the_ranking_weights(cli, bundled_model, poem_path):
    # The weights the studies tuned (docs/BENCHMARKS.md) are options of the study's entry
    # point only: the shipped command refuses them, the study reaches the engine with them.
    shipped = cli("evaluate", bundled_model, poem_path, "--cache-weight", "0.5", "--quiet")
    assert shipped.returncode == 2 and "--cache-weight" in shipped.stderr
    result = cli(bundled_model, poem_path, "--json", "--learning", "on", "--cache-weight", "0.5",
                 "--unknown-repeat", "0.25", "--ngram-weight", "1", "--quiet",
                 module="training.studies.evaluate")
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    assert (settings["cache_weight"], settings["unknown_repeat"]) == (0.5, 0.25)
    assert settings["ngram_weight"] == 1.0
    bad = cli(bundled_model, poem_path, "--cache-weight", "1", module="training.studies.evaluate")
    assert bad.returncode == 2 and "--cache-weight must be in [0, 1)" in bad.stderr


def test_seed_baseline_round_trip(tmp_path, poem_model, poem_path):
    pytest.importorskip("torch")
    from editor.core.tokenizer import tokenize
    from training.studies.seed_baseline import (
        SeedConfig,
        SeedModel,
        seed_system,
        train_seed,
        training_lines,
    )

    poem = poem_path.read_text(encoding="utf-8")
    lines = training_lines([tokenize(poem)], poem_model.lm.encode)
    seed = train_seed(lines, len(poem_model.vocab),
                      SeedConfig(embedding=8, hidden=8, epochs=3))
    seed.key = "k"
    seed.save(tmp_path / "seed.npz")
    again = SeedModel.load(tmp_path / "seed.npz")
    assert again.key == "k" and again.config.epochs == 3
    p = again.line_distributions(lines[0][:2])
    assert p.shape == (3, len(poem_model.vocab)) and np.allclose(p.sum(axis=1), 1.0)
    c = compare(poem_model, [poem], learning=(False,),
                extra=[seed_system(poem_model, again, SuggestConfig())])
    row = c.results[-1].to_dict()
    assert row["name"] == "seed" and row["perplexity"] is None  # words only
    assert row["word_perplexity"] is not None and 0 <= row["ksr_strip"] < 1


def test_words_outside_the_vocabulary_offered_early_by_hand():
    # "cd" [3,5) is offered at 3 (two letters to go): early. "efgh" [7,11) is offered at 7
    # and 8 (four and three to go): early. "ij" [12,14) is offered at 12 only with its two
    # letters to go: early too; "ab" is in the vocabulary and does not count.
    run = run_document(TEXT, Scripted(), known={"ab"})
    assert (run.oov_words, run.oov_early) == (3, 3)
    # Offers that come only with one letter left are not early: "cd" is offered at 4 only.
    late = dict(OFFERS)
    late[3] = Offer(("x",))

    class Late(Scripted):
        def offer(self, text_before: str) -> Offer:
            return late.get(len(text_before), Offer(()))

    run = run_document(TEXT, Late(), known={"ab", "efgh", "ij"})
    assert (run.oov_words, run.oov_early) == (1, 0)
    assert run_document(TEXT, Scripted()).oov_words == 0  # no vocabulary given: not counted
