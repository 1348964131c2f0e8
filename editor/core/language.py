"""Which language a text or a model's vocabulary is in, by counting function words (stdlib only).

Function words ("de", "que", "não"; "the", "and", "of") are the most frequent words of any
text in their language and rare in others, so counting them tells Portuguese from English
reliably on a few hundred words (the idea of stopword-based language identification, e.g.
Grefenstette 1995). Words the two languages share ("a", "no", "do", "me", "as", "e") are left
out of both lists. `training` records the result in the model file (docs/MODEL_FORMAT.md,
key `language`); the editor uses it to pick a word list (editor/core/lexicon.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

STOPWORDS: dict[str, frozenset[str]] = {
    "pt": frozenset(
        "de que o da em um para é com não uma os se na por mais das dos como mas foi ao ele "
        "à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela "
        "entre era depois sem mesmo aos ter seus quem nas esse eles estão você tinha foram "
        "essa num nem suas meu às minha têm numa pelos elas havia seja qual será nós tenho "
        "lhe deles essas esses pelas este fosse dele tu te vocês lhes meus minhas teu tua "
        "nosso nossa nossos nossas dela delas esta estes estas aquele aquela isto aquilo "
        "tão então porque ainda sempre nunca onde".split()),
    "en": frozenset(
        "the of and to in is you that it he was for on are with his they at be this have "
        "from or one had by but not what all were we when your can said there an which she "
        "their if will up other about out many then them these so some her would make like "
        "him into has could my than been who its now did get made may our should just any "
        "how where because why never always very".split()),
}
# A verdict needs this many function words, and this many times more than the runner-up.
MIN_HITS = 3
MIN_RATIO = 2.0


def detect_language(words: Iterable[str] | Mapping[str, int]) -> str | None:
    """The language (a key of STOPWORDS) of these words (NFC, lower case), or None when they
    say too little. A mapping counts each word that many times; a vocabulary passed as a
    plain list counts each entry once."""
    counts = dict.fromkeys(STOPWORDS, 0)
    items = words.items() if isinstance(words, Mapping) else ((w, 1) for w in words)
    for word, n in items:
        for lang, stop in STOPWORDS.items():
            if word in stop:
                counts[lang] += n
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    (best, hits), (_, second) = ranked[0], ranked[1]
    if hits < MIN_HITS or hits < MIN_RATIO * second:
        return None
    return best


def model_language(declared: str | None, vocab: Iterable[str]) -> str | None:
    """A model's language: what its file declares, else what its vocabulary looks like."""
    if declared:
        return declared
    return detect_language(vocab)
