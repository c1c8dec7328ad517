"""Plain-language questions to metric queries, without a model: a parser over the semantic
manifest's own vocabulary (metric names and labels, dimension names) and vocabulary.yml's
aliases, the time phrases of cost questions ("last month", "this quarter", "last 3 months",
"in July 2026", "since 2026-07") and the shapes "<metric> by <dimension>", "top N <dimension>
by <metric>" and "<metric> trend".

It answers only what it understood in full: every word of the question must be part of a
phrase it recognised or a filler word. Anything else ("excluding tax", "why") is a plain
"cannot answer" naming the words it did not understand, with the closest metrics — never a
query that answers a different question.

Relative periods count from `anchor`, the newest billing period of the served marts: AWS
delivers the open month, so with current exports "this month" is the calendar month.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from infralyzer.api.semantic_layer import MetricQuery

VOCABULARY = Path(__file__).with_name("vocabulary.yml")
MONTHS = {name: number for number, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for name in names}
FILLER = frozenset("""
a an the what whats was were is are be been our my me us show give list tell how much many did do does we i
by per for of in on to and with each all total overall please across broken down breakdown split grouped
group over during which who what's there their it its as at from within so far have has had get see chart
plot graph report table numbers number value values amount figure figures
""".split())
GRAINS = {"day": "day", "daily": "day", "days": "day", "week": "week", "weekly": "week", "weeks": "week",
          "month": "month", "monthly": "month", "months": "month", "quarter": "quarter", "quarterly": "quarter",
          "quarters": "quarter", "year": "year", "yearly": "year", "annual": "year", "annually": "year",
          "years": "year"}
TREND = [("trend",), ("trends",), ("over", "time"), ("month", "over", "month"), ("mom",), ("history",)]
TOP = {"top": True, "largest": True, "biggest": True, "highest": True, "most": True, "bottom": False,
       "lowest": False, "smallest": False, "least": False, "cheapest": False}
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12, "twenty": 20}


@dataclass
class Parsed:
    """A metric query, and how the question was read."""

    query: MetricQuery
    interpretation: str


@dataclass
class Unanswerable:
    reason: str
    not_understood: list[str] = field(default_factory=list)
    suggestions: list[dict[str, str]] = field(default_factory=list)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, dict[str, list[str]]]:
    return yaml.safe_load(VOCABULARY.read_text())


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.lower().replace("-", " ").replace("_", " ").replace("/", " ").split())


class Vocabulary:
    """The phrases of one semantic manifest: metrics and dimensions by their words."""

    def __init__(self, metrics: list[dict[str, Any]]) -> None:
        self.metrics = {m["name"]: m for m in metrics}
        self.dimensions_of = {m["name"]: {d["name"] for d in m.get("dimensions", [])} for m in metrics}
        aliases = _aliases()
        self.metric_phrases: dict[tuple[str, ...], str] = {}
        for name, metric in self.metrics.items():
            for phrase in (name, metric.get("label") or "", *aliases["metrics"].get(name, [])):
                if phrase:
                    self.metric_phrases.setdefault(_words(phrase), name)
        every_dimension = set().union(*self.dimensions_of.values()) if metrics else set()
        self.dimension_phrases: dict[tuple[str, ...], str] = {}
        for name, phrases in aliases["dimensions"].items():
            if name in every_dimension:
                for phrase in phrases:
                    self.dimension_phrases.setdefault(_words(phrase), name)
        for name in sorted(every_dimension):
            if name == "metric_time":
                continue
            attribute = name.split("__")[-1]
            for phrase in (attribute, attribute + "s"):
                self.dimension_phrases.setdefault(_words(phrase), name)

    def suggestions(self, words: list[str], count: int = 3) -> list[dict[str, str]]:
        """The metrics whose name, label or description share most words with the question."""
        wanted = {w for w in words if w not in FILLER}
        scored = []
        for name, metric in self.metrics.items():
            text = set(_words(" ".join(str(metric.get(k) or "") for k in ("name", "label", "description"))))
            close = sum(1 for w in wanted if w in text or difflib.get_close_matches(w, text, n=1, cutoff=0.85))
            if close:
                scored.append((-close, name))
        return [{"name": n, "label": self.metrics[n].get("label") or n} for _, n in sorted(scored)[:count]]


def _period(year: int, month: int) -> str:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}"


def _shift(anchor: str, months: int) -> str:
    year, month = (int(p) for p in anchor.split("-"))
    return _period(year, month + months)


class _Reader:
    """One pass over a question's words; each recogniser marks the words it used."""

    def __init__(self, question: str, vocabulary: Vocabulary, anchor: str) -> None:
        text = question.lower()
        self.periods = re.findall(r"\b(\d{4}-(?:0[1-9]|1[0-2]))\b", text)
        text = re.sub(r"\b\d{4}-(?:0[1-9]|1[0-2])\b", " yyyymm ", text)
        self.accounts = re.findall(r"(?<!\d)(\d{12})(?!\d)", text)
        text = re.sub(r"(?<!\d)\d{12}(?!\d)", " accountid ", text)
        self.words = list(_words(re.sub(r"[^\w\s-]", " ", text)))
        self.used = [False] * len(self.words)
        self.vocabulary, self.anchor = vocabulary, anchor
        self.metrics: list[str] = []
        self.dimensions: list[str] = []
        self.grain: str | None = None
        self.period_from: str | None = None
        self.period_to: str | None = None
        self.top: tuple[bool, int] | None = None

    def _take(self, start: int, length: int) -> None:
        for i in range(start, start + length):
            self.used[i] = True

    def _free(self, start: int, length: int) -> bool:
        return start + length <= len(self.words) and not any(self.used[start:start + length])

    def _find(self, phrases: dict[tuple[str, ...], Any]) -> list[tuple[int, Any]]:
        """Non-overlapping matches, longest phrases first, in question order."""
        found = []
        for phrase in sorted(phrases, key=len, reverse=True):
            n = len(phrase)
            for i in range(len(self.words) - n + 1):
                if tuple(self.words[i:i + n]) == phrase and self._free(i, n):
                    self._take(i, n)
                    found.append((i, phrases[phrase]))
        return sorted(found)

    def _number(self, word: str) -> int | None:
        if word.isdigit() and len(word) <= 4:
            return int(word)
        return _NUMBER_WORDS.get(word)

    def read_time(self) -> None:
        w, year = self.words, int(self.anchor[:4])
        anchor_month = int(self.anchor[5:])
        quarter_start = _period(year, (anchor_month - 1) // 3 * 3 + 1)
        ranges: list[tuple[str | None, str | None]] = []
        i = 0
        period_iter = iter(self.periods)
        while i < len(w):
            word, nxt = w[i], w[i + 1] if i + 1 < len(w) else ""
            span: tuple[int, str | None, str | None] | None = None  # (words used, from, to)
            if word in ("this", "current") and nxt in ("month", "quarter", "year"):
                span = {"month": (2, self.anchor, self.anchor), "quarter": (2, quarter_start, _shift(quarter_start, 2)),
                        "year": (2, f"{year}-01", f"{year}-12")}[nxt]
            elif word in ("mtd", "qtd", "ytd"):
                span = {"mtd": (1, self.anchor, self.anchor), "qtd": (1, quarter_start, _shift(quarter_start, 2)),
                        "ytd": (1, f"{year}-01", f"{year}-12")}[word]
            elif word in ("last", "previous", "prior", "past", "trailing") and nxt in ("month", "quarter", "year"):
                span = {"month": (2, _shift(self.anchor, -1), _shift(self.anchor, -1)),
                        "quarter": (2, _shift(quarter_start, -3), _shift(quarter_start, -1)),
                        "year": (2, f"{year - 1}-01", f"{year - 1}-12")}[nxt]
            elif word in ("last", "past", "trailing", "previous") and self._number(nxt) and i + 2 < len(w) \
                    and w[i + 2] in ("months", "month"):
                n = self._number(nxt) or 1
                span = (3, _shift(self.anchor, -(n - 1)), self.anchor)
            elif word == "yyyymm":
                period = next(period_iter)
                span = (1, period, period)
            elif word in MONTHS:
                month = MONTHS[word]
                if nxt.isdigit() and len(nxt) == 4:
                    span = (2, _period(int(nxt), month), _period(int(nxt), month))
                else:
                    y = year if month <= anchor_month else year - 1  # the latest such month
                    span = (1, _period(y, month), _period(y, month))
            elif re.fullmatch(r"q[1-4]", word):
                y = int(nxt) if nxt.isdigit() and len(nxt) == 4 else year
                first = _period(y, (int(word[1]) - 1) * 3 + 1)
                span = (2 if nxt.isdigit() and len(nxt) == 4 else 1, first, _shift(first, 2))
            elif re.fullmatch(r"20\d\d", word):
                span = (1, f"{word}-01", f"{word}-12")
            if span is not None and self._free(i, span[0]):
                self._take(i, span[0])
                ranges.append((span[1], span[2]))
                if i > 0 and w[i - 1] in ("since", "from", "between", "until", "through", "to", "and") \
                        and not self.used[i - 1]:
                    self._take(i - 1, 1)
                    ranges[-1] = ranges[-1] + (w[i - 1],)  # type: ignore[assignment]
                i += span[0]
                continue
            i += 1
        self._combine(ranges)

    def _combine(self, ranges: list[tuple]) -> None:
        if not ranges:
            return
        joiners = [r[2] if len(r) > 2 else None for r in ranges]
        if len(ranges) == 1:
            start, end = ranges[0][:2]
            if joiners[0] in ("since", "from"):
                end = None
            elif joiners[0] in ("until", "through", "to"):
                start = None
            self.period_from, self.period_to = start, end
            return
        (first_start, first_end), (second_start, second_end) = ranges[0][:2], ranges[1][:2]
        # a range ("from X to Y", "between X and Y"), or two adjacent periods ("July and August");
        # "July 2025 and July 2026" are two periods, not the months between them
        spans = joiners[1] in ("to", "until", "through") or (joiners[0] == "between" and joiners[1] == "and") \
            or (joiners[1] == "and" and first_end and second_start == _shift(first_end, 1))
        if len(ranges) > 2 or not spans or (first_start or "") > (second_end or "9999"):
            raise _CannotAnswer("The question names periods that are not one range.")
        self.period_from, self.period_to = first_start, second_end

    def read_grain(self) -> None:
        w = self.words
        for phrase in TREND:
            n = len(phrase)
            for i in range(len(w) - n + 1):
                if tuple(w[i:i + n]) == phrase and self._free(i, n):
                    self._take(i, n)
                    self.grain = self.grain or "month"
        for i, word in enumerate(w):
            if self.used[i]:
                continue
            if word in ("daily", "weekly", "monthly", "quarterly", "yearly", "annually", "annual"):
                self._take(i, 1)
                self.grain = GRAINS[word]
            elif word in ("by", "per", "each", "every") and i + 1 < len(w) and w[i + 1] in GRAINS \
                    and self._free(i, 2):
                self._take(i, 2)
                self.grain = GRAINS[w[i + 1]]

    def read_top(self) -> None:
        w = self.words
        for i, word in enumerate(w):
            if self.used[i] or word not in TOP:
                continue
            descending = TOP[word]
            count = self._number(w[i + 1]) if i + 1 < len(w) and not self.used[i + 1] else None
            if word == "most" and i + 1 < len(w) and w[i + 1] == "expensive":
                self._take(i + 1, 1)
            self._take(i, 1)
            if count is not None:
                self._take(i + 1, 1)
            elif i > 0 and self._number(w[i - 1]) is not None and not self.used[i - 1]:
                count = self._number(w[i - 1])
                self._take(i - 1, 1)
            self.top = (descending, count or (10 if word in ("top", "bottom") else 1))
            return

    def read_accounts(self) -> None:
        for i, word in enumerate(self.words):
            if word == "accountid":
                self._take(i, 1)
                if i > 0 and self.words[i - 1] in ("account", "accounts") and not self.used[i - 1]:
                    self._take(i - 1, 1)

    def read_metrics_and_dimensions(self) -> None:
        """Metric and dimension phrases in one longest-first pass ("budget id" is a dimension, not
        the metric "budget" and a stray "id")."""
        phrases = {phrase: ("dimension", name) for phrase, name in self.vocabulary.dimension_phrases.items()}
        phrases.update({phrase: ("metric", name) for phrase, name in self.vocabulary.metric_phrases.items()})
        found = [kind_name for _, kind_name in self._find(phrases)]
        self.metrics = list(dict.fromkeys(name for kind, name in found if kind == "metric"))
        self.dimensions = list(dict.fromkeys(name for kind, name in found if kind == "dimension"))

    def leftovers(self) -> list[str]:
        return [w for w, used in zip(self.words, self.used) if not used and w not in FILLER]


class _CannotAnswer(Exception):
    pass


def parse(question: str, metrics: list[dict[str, Any]], anchor: str) -> Parsed | Unanswerable:
    """The metric query that answers `question`, or why there is none. `metrics` is the semantic
    layer's catalogue (GET /metrics), `anchor` the newest billing period (YYYY-MM)."""
    vocabulary = Vocabulary(metrics)
    reader = _Reader(question, vocabulary, anchor)
    try:
        reader.read_time()
        reader.read_grain()
        reader.read_top()
        reader.read_accounts()
        reader.read_metrics_and_dimensions()
    except _CannotAnswer as exc:
        return Unanswerable(str(exc), suggestions=vocabulary.suggestions(reader.words))
    left = reader.leftovers()
    if not reader.metrics:
        return Unanswerable("No metric of the semantic layer is named in the question.", left,
                            vocabulary.suggestions(reader.words))
    if left:
        return Unanswerable("Some words of the question are not understood: " + ", ".join(left) + ".", left,
                            vocabulary.suggestions(reader.words))
    group_by = ([f"metric_time__{reader.grain}"] if reader.grain else []) + reader.dimensions
    for metric in reader.metrics:
        missing = [d for d in reader.dimensions if d not in vocabulary.dimensions_of[metric]]
        if missing:
            return Unanswerable(f"{metric} cannot be grouped by {', '.join(missing)}.",
                                suggestions=vocabulary.suggestions(reader.words))
    if reader.top is not None and not reader.dimensions:
        return Unanswerable("A ranking needs something to rank (accounts, services, ...).",
                            suggestions=vocabulary.suggestions(reader.words))
    unfilterable = [m for m in reader.metrics
                    if not any(d.startswith("account__") for d in vocabulary.dimensions_of[m])]
    if reader.accounts and unfilterable:
        return Unanswerable(f"{', '.join(unfilterable)} cannot be filtered by account.",
                            suggestions=vocabulary.suggestions(reader.words))
    filters = []
    if reader.accounts:
        filters.append({"dimension": "account", "op": "in" if len(reader.accounts) > 1 else "=",
                        "value": reader.accounts if len(reader.accounts) > 1 else reader.accounts[0]})
    order_by, limit = [], None
    if reader.top is not None:
        descending, limit = reader.top
        order_by = [("-" if descending else "") + reader.metrics[0]]
    query = MetricQuery.model_validate({"metrics": reader.metrics, "group_by": group_by, "filters": filters,
                                        "from": reader.period_from, "to": reader.period_to, "order_by": order_by,
                                        "limit": limit})
    return Parsed(query, describe(query))


def describe(query: MetricQuery) -> str:
    """The query in words, so the reader sees how the question was understood."""
    text = " and ".join(query.metrics)
    if query.group_by:
        text += " by " + ", ".join(query.group_by)
    if query.filters:
        text += " where " + "; ".join(f"{f.dimension} {f.op} {f.value}" for f in query.filters)
    if query.period_from or query.period_to:
        text += f", billing periods {query.period_from or '…'} to {query.period_to or '…'}"
    if query.order_by:
        text += f", ordered by {', '.join(query.order_by)}"
    if query.limit:
        text += f", first {query.limit}"
    return text

