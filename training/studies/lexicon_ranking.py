"""How the word list's words are ranked against the model's: a sweep of the engine's settings.

    PYTHONPATH=. .venv/bin/python -m training.studies.lexicon_ranking \\
        --model build/quality/caminho-100.onnx --train build/quality/train-100.txt \\
        [--heldout build/quality/heldout.txt] [--set lexicon_weight=1,4,16 ...] [--limit N]

Tuning never reads the held-out fortunes. The model was trained on every training fortune and
knows every word in them, so a development split carved from the training text has no word
outside its vocabulary, and the word list would have nothing to do. The study therefore makes
the model forget, on the development fortunes, the words that only one training fortune holds
(what a held-out fortune's new words are): they are read as `<unk>` and their probability,
LSTM and n-gram alike, is folded into `<unk>`'s, which the word list then shares out. The
LSTM still saw these fortunes, so its guesses on them are better than on new text: a setting
that helps here helps the word list against a model that knows the context too well, and
needs its one confirming run on the held-out set (`--heldout`), which is never swept.

Each setting is a SuggestConfig field; `--set name=v1,v2` sweeps it (one row per value, the
others at their defaults); the first row is always the defaults.

`--misses` (with `--heldout`) instead sorts the held-out words outside the model's vocabulary
by why the strip did or did not offer them two letters before their end.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from editor.core.lexicon import Lexicon, fold, lexicon_path
from editor.core.lm import LanguageModel
from editor.core.suggest import SuggestConfig, Suggester
from editor.core.tokenizer import tokenize
from training.data import read_text, split_documents
from training.ksr import DocumentRun, Offer, run_document, word_spans

DEV_SHARE = 0.1  # the last 10% of the (shuffled) training fortunes


class _Forgetting(Suggester):
    """The engine with some vocabulary words folded into `<unk>` (see the module's doc)."""

    def __init__(self, model: LanguageModel, config: SuggestConfig, forget: set[str]) -> None:
        self.forget_ids = np.array(sorted(model.ids[w] for w in forget if w in model.ids),
                                   dtype=np.int64)
        model = dataclasses.replace(model, ids={w: i for w, i in model.ids.items()
                                                if w not in forget})
        super().__init__(model, config)
        self.is_word[self.forget_ids] = False

    def model_distribution(self, ids: Any, logits: np.ndarray,
                           p_lstm: np.ndarray | None = None) -> np.ndarray:
        p = super().model_distribution(ids, logits, p_lstm).copy()
        if len(self.forget_ids):
            p[self.model.unk_id] += p[self.forget_ids].sum()
            p[self.forget_ids] = 0.0
        return p


class _Predictor:
    def __init__(self, suggester: Suggester) -> None:
        self.name = "caminho"
        self.suggester = suggester

    def start_document(self) -> None:
        self.suggester.reset_document()

    def offer(self, text_before: str) -> Offer:
        s = self.suggester.suggest(text_before, at_doc_start=True, extend=False)
        words = tuple(c.norm for c in s.candidates)
        return Offer(words, words[0] if s.ghost else None)


def measure(model: LanguageModel, docs: list[str], config: SuggestConfig,
            lexicon: Lexicon | None, forget: list[set[str]] | None) -> dict[str, float]:
    run = DocumentRun()
    plain = None if forget else Suggester(model, config)
    if plain is not None:
        plain.set_lexicon(lexicon)
    for k, text in enumerate(docs):
        if forget:
            suggester: Suggester = _Forgetting(model, config, forget[k])
            suggester.set_lexicon(lexicon)
        else:
            suggester = plain  # type: ignore[assignment]
        known = suggester.model.ids
        run.add(run_document(text, _Predictor(suggester), config.strip_size, known))
    h = run.hits
    return {"strip": run.strip.ksr, "ghost": run.ghost.ksr, "top1": h.top1 / h.words,
            "top3": h.top3 / h.words, "oov": run.oov_early / max(1, run.oov_words),
            "oov_words": run.oov_words, "words": h.words}


def misses(model: LanguageModel, docs: list[str], lexicon: Lexicon) -> Counter[str]:
    """Why each word the model lacks was or was not offered (see the module's doc)."""
    listed = set(lexicon.words)
    folded = {fold(w) for w in lexicon.words}
    suggester = Suggester(model, SuggestConfig())
    suggester.set_lexicon(lexicon)
    why: Counter[str] = Counter()
    for text in docs:
        suggester.reset_document()
        for span in word_spans(text):
            w = span.norm
            if w in model.ids:
                continue
            if w not in listed:
                why["not in the list: " + (
                    "a number" if any(ch.isdigit() for ch in w) else "hyphenated" if "-" in w
                    else "an unaccented spelling" if fold(w) in folded else "other")] += 1
                continue
            offered = [[c for c in suggester.suggest(text[:pos], extend=False).candidates]
                       for pos in range(span.start, span.end - 1)]
            if any(w == c.norm for cands in offered for c in cands):
                why["in the list, offered early"] += 1
            elif offered and all(c.source != "lexicon" for c in offered[-1]):
                why["in the list, beaten by the model's words"] += 1
            else:
                why["in the list, beaten by other list words"] += 1
    return why


def dev_split(train: Path) -> tuple[list[str], list[set[str]]]:
    """The development fortunes and, for each, the words no other training fortune holds."""
    fortunes = split_documents(read_text(train), "%")
    dev = fortunes[len(fortunes) - round(len(fortunes) * DEV_SHARE):]
    in_docs: Counter[str] = Counter()
    words = [{t.norm for t in tokenize(f) if t.is_word} for f in fortunes]
    for w in words:
        in_docs.update(w)
    forget = [{w for w in ws if in_docs[w] == 1} for ws in words[len(fortunes) - len(dev):]]
    return dev, forget


def parse_sets(items: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """`name=v1,v2` sweeps one setting; `a=1:b=2` is one row with both."""
    fields = {f.name: f.type for f in dataclasses.fields(SuggestConfig)}

    def value(name: str, v: str) -> Any:
        if name not in fields:
            sys.exit(f"lexicon_ranking: no setting {name!r} in SuggestConfig")
        kind = str(fields[name]).split(" |")[0]
        return v == "true" if kind == "bool" else int(v) if kind == "int" else float(v)

    rows: list[tuple[str, dict[str, Any]]] = [("defaults", {})]
    for item in items:
        if ":" in item:
            pairs = [part.partition("=") for part in item.split(":")]
            rows.append((item.replace(":", ", "), {n: value(n, v) for n, _, v in pairs}))
            continue
        name, _, values = item.partition("=")
        rows += [(f"{name}={v}", {name: value(name, v)}) for v in values.split(",")]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--heldout", type=Path, default=None,
                        help="confirm on this text instead of the development split")
    parser.add_argument("--language", default="pt")
    parser.add_argument("--set", nargs="*", default=[], help="name=v1,v2 (a SuggestConfig field)")
    parser.add_argument("--no-list", action="store_true", help="also a row without the list")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--misses", action="store_true",
                        help="with --heldout: why unknown words were or were not offered")
    args = parser.parse_args()

    model = LanguageModel.load(args.model)
    lexicon = Lexicon.load(lexicon_path(args.language), args.language)
    if args.heldout is not None:
        docs, forget = split_documents(read_text(args.heldout), "%"), None
    else:
        docs, forget_sets = dev_split(args.train)
        forget = forget_sets
    if args.limit:
        docs = docs[: args.limit]
        forget = None if forget is None else forget[: args.limit]
    if args.misses:
        if forget is not None:
            sys.exit("lexicon_ranking: --misses needs --heldout")
        print("| held-out words outside the model's vocabulary | words |\n|---|---|")
        for label, n in misses(model, docs, lexicon).most_common():
            print(f"| {label} | {n} |")
        return 0
    rows = parse_sets(args.set)
    if args.no_list:
        rows.insert(0, ("no word list", {"_none": True}))
    print("| setting | KSR strip | KSR ghost | top-1 | top-3 | OOV offered early |")
    print("|---|---|---|---|---|---|")
    for label, over in rows:
        started = time.monotonic()
        config = SuggestConfig(**{k: v for k, v in over.items() if not k.startswith("_")})
        r = measure(model, docs, config, None if over.get("_none") else lexicon, forget)
        print(f"| {label} | {100 * r['strip']:.1f}% | {100 * r['ghost']:.1f}% | "
              f"{100 * r['top1']:.1f}% | {100 * r['top3']:.1f}% | {100 * r['oov']:.1f}% "
              f"({r['oov_words']} of {r['words']}) |", flush=True)
        print(f"  {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
