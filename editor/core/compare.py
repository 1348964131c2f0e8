"""Two models on the same text, side by side (Qt-free): the panel's Compare view draws this.

The main model's side is the `Suggestions` that ranked the strip; the second model gets a
`Suggester` of its own, fed the same window of text before the cursor the strip's request
carries, so its numbers are exactly those that would rank its strip if it were the main model.
For each side: the next-token distribution (top 10), the words its strip would offer, and its
Memory (occlusion: how much each earlier word matters to its top prediction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from editor.core.context import context_window
from editor.core.insight import Memory, memory_for
from editor.core.lm import LanguageModel
from editor.core.suggest import SuggestConfig, Suggester, Suggestions


def trim_window(text: str, start: int) -> tuple[str, bool]:
    """The text of a window that begins at `start` as the suggestion request carries it (as
    `SuggestionController._post` cuts it), and whether it starts at the document's start."""
    if start > 0:
        # The window may start inside a word; it begins at the next whitespace instead.
        cut = next((i for i, ch in enumerate(text) if ch.isspace()), len(text))
        text = text[cut:]
    return text, start == 0


def window_before(text: str, cursor: int) -> tuple[str, bool]:
    """`trim_window` for the text before `cursor` in a whole document `text`."""
    cursor = max(0, min(cursor, len(text)))
    start = context_window(cursor)
    return trim_window(text[start:cursor], start)


@dataclass
class Side:
    """One model's view of the text."""

    name: str  # the model file's name
    cell: str  # "lstm", "gru" or "rnn"
    cell_title: str  # "LSTM", "GRU", "plain RNN"
    tokens: list[str]  # the context tokens its numbers are for (recent last)
    top_tokens: list[tuple[str, float]]  # its top-10 next tokens
    strip: list[str]  # the words its strip would offer, best first
    entropy: float  # of its next-token distribution, in bits
    memory: Memory | None = None  # occlusion importance for its top prediction

    @property
    def top(self) -> str | None:
        return self.top_tokens[0][0] if self.top_tokens else None


@dataclass
class Comparison:
    text: str  # the text before the cursor both sides read
    sides: list[Side] = field(default_factory=list)  # main model first

    @property
    def agree(self) -> bool:
        """Whether both models put the same token first."""
        tops = {s.top for s in self.sides}
        return len(tops) == 1


def side_of(model: LanguageModel, sug: Suggestions, *, memory: bool = True) -> Side:
    """A side from a model's Suggestions (its Memory computed here, from the same window)."""
    info = model.info
    return Side(
        name=info.name, cell=info.cell, cell_title=info.cell_title,
        tokens=list(sug.context_tokens), top_tokens=list(sug.top_tokens),
        strip=[c.norm for c in sug.candidates], entropy=sug.entropy,
        memory=memory_for(model, sug) if memory else None,
    )


class Comparer:
    """Runs a second model beside the main one; one instance per compared model.

    Not thread-safe (its Suggester keeps the second model's state for the text): call it from
    one thread, the panel's analysis pool.
    """

    def __init__(self, model: LanguageModel, config: SuggestConfig | None = None) -> None:
        self.model = model
        self.suggester = Suggester(model, config or SuggestConfig())

    def suggest(self, text_before: str, at_doc_start: bool = True) -> Suggestions:
        # Only the strip and the distribution are compared: the ghost text is not run on.
        return self.suggester.suggest(text_before, at_doc_start=at_doc_start, extend=False)

    def compare(self, text_before: str, at_doc_start: bool, main_model: LanguageModel,
                main: Suggestions, *, memory: bool = True) -> Comparison:
        """Both models on `text_before`: the main model's side from `main` (the run that
        ranked its strip), the second model's from its own run on the same text."""
        other = self.suggest(text_before, at_doc_start)
        return Comparison(text_before, [side_of(main_model, main, memory=memory),
                                        side_of(self.model, other, memory=memory)])
