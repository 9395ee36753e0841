"""Grounded, extractive answers: every claim is a quoted sentence with a citation.

Three kinds of answer, chosen by ``intent.classify``:

* value   - a score, rating or date the report states, citing the stating sentence;
* set     - a finding for every provider in scope ("which providers lacked …");
* passage - the most relevant sentences, with [n] markers.

When nothing in the corpus supports an answer, the answer says so and sets
``no_answer``; a weak match is never dressed up as an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answer import findings
from assistant.search.catalog import Catalog
from assistant.answer.intent import Intent, classify
from assistant.models import KEY_QUESTIONS, Answer, Citation, DateRange, Filters, Hit, ProviderFinding, Report
from assistant.search.retrieve import Retriever
from assistant.text import sentence_spans, strip_markup
from assistant.search.tokens import stem_all, tokenize, words

# A passage answers a question when its best sentence covers this share of the
# question's (idf-weighted) terms and the chunk is semantically close, or when
# the chunk is very close in meaning even with few shared words (a paraphrase).
MIN_COVERAGE = 0.5
MIN_DENSE_WITH_COVERAGE = 0.20
MIN_DENSE_ALONE = 0.75  # tuned on the eval dev split: a question naming a provider is ~0.7 close to any of its chunks
MAX_PASSAGE_SENTENCES = 3
CANDIDATE_CHUNKS_PER_PROVIDER = 4

_VALUE_LABEL = {
    "score": "score",
    "rating": "rating",
    "previous_rating": "previous rating",
    "date": "date",
    "population": "population",
    "established": "established",
    "service_type": "service type",
}
_COUNT_QUESTION = re.compile(r"\bhow (?:many|much)\b|\bnumber of\b", re.I)
_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_RATING_WORDS = ("outstanding", "good", "requires improvement", "inadequate")


@dataclass
class _Citations:
    """Numbers cited sentences in order of first use; one sentence, one number."""

    reports: dict[str, Report]
    items: list[Citation] = field(default_factory=list)

    seen: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (report, start, end) -> n

    def cite(self, report: Report, start: int, end: int, score: float, section: tuple[str, ...] = ()) -> int:
        # A dict, not a scan of the items: a set answer over 10k providers cites thousands of sentences.
        key = (report.report_id, start, end)
        if key in self.seen:
            return self.seen[key]
        n = self.seen[key] = len(self.items) + 1
        path = section or _section_of(report, start)
        self.items.append(
            Citation(n, report.provider, report.report_id, " > ".join(path), report.text[start:end], start, end,
                     score, report.date, report.source)
        )
        return n


_FILLER = re.compile(r"[\w’'-]+")
_DROP = frozenset({"and", "what", "their", "they", "them", "that", "this", "those", "its", "it", "was", "were",
                   "is", "are", "the", "a", "an", "of", "for", "did", "does", "do", "how", "which", "who", "s"})


def compact_query(question: str) -> str:
    """The searched words of a question, for showing the user what was searched ("well-led score")."""
    kept = [w for w in _FILLER.findall(question) if w.lower() not in _DROP]
    return " ".join(kept) or question


def _section_of(report: Report, offset: int) -> tuple[str, ...]:
    for s in report.sections:
        if s.start <= offset < s.end:
            return s.path
    return (report.title,)


def _quote(text: str) -> str:
    return strip_markup(" ".join(text.split()))


def _report_label(report: Report) -> str:
    if report.date_text:
        return f"{report.provider} ({report.date_text})"
    return report.provider


# "scored below 60", "at least 75", "scored 75": a numeric condition in a value set question.
_NUMERIC_CONDITION = re.compile(
    r"\b(?P<op>below|under|less than|lower than|above|over|more than|higher than|at least|at most)?\s*(?P<n>\d{1,3})\b",
    re.I,
)
_OPS = {
    None: lambda v, n: v == n, "below": lambda v, n: v < n, "under": lambda v, n: v < n,
    "less than": lambda v, n: v < n, "lower than": lambda v, n: v < n, "above": lambda v, n: v > n,
    "over": lambda v, n: v > n, "more than": lambda v, n: v > n, "higher than": lambda v, n: v > n,
    "at least": lambda v, n: v >= n, "at most": lambda v, n: v <= n,
}


def _has_condition(question: str, wanted_rating: str | None) -> bool:
    return bool(wanted_rating or _NUMERIC_CONDITION.search(question))


def _meets_condition(question: str, value: str, wanted_rating: str | None) -> bool:
    """Whether a stated value satisfies the question's condition ("rated good", "scored below 60")."""
    if wanted_rating:
        return value.lower() == wanted_rating
    m = _NUMERIC_CONDITION.search(question)
    if not m or not value.replace(",", "").isdigit():
        return False
    op = m.group("op").lower() if m.group("op") else None
    return _OPS[op](int(value.replace(",", "")), int(m.group("n")))


class Assistant:
    """Answers questions from one loaded index."""

    def __init__(self, retriever: Retriever):
        self.retriever = retriever
        self.data = retriever.data
        self.catalog: Catalog = retriever.catalog

    # -- entry point --------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        filters: Filters = Filters(),
        mode: str | None = None,
        k: int | None = None,
        inherited_providers: tuple[str, ...] = (),
    ) -> Answer:
        """Answer ``question`` within ``filters``.

        ``inherited_providers`` come from an earlier turn of the conversation and
        apply when the question names no provider itself.
        """
        question = question.strip()
        if not question:
            raise ValueError("the question is empty")
        intent = classify(question)
        named = tuple(self.catalog.mentioned(question))
        providers = named or (() if intent.kind == "set" else tuple(inherited_providers))
        if providers and not filters.providers:
            filters = replace(filters, providers=providers)
        from assistant.answer import change as compare  # imported here: compare builds on this module

        change = compare.change_answer(self, question, filters)
        if change is not None:
            answer = change
        elif intent.kind == "set" and not intent.value:
            answer = self._set(question, intent, filters)
        elif intent.value and (filters.providers or intent.kind == "set"):
            answer = self._value(question, intent, filters)
        else:
            answer = self._passage(question, filters, mode, k)
        scope = " · ".join(filters.providers) if filters.providers else ""
        resolved = compact_query(intent.topic if intent.kind == "set" else question)
        focus = answer.focus or tuple(dict.fromkeys(c.provider for c in answer.citations))
        return replace(answer, resolved_query=f"{resolved} · {scope}" if scope else resolved, focus=focus)

    # -- values ---------------------------------------------------------------------------------

    def _value(self, question: str, intent: Intent, filters: Filters) -> Answer:
        reports = self.catalog.select(filters)
        cites = _Citations(self.data.reports)
        lines, missing, matching = [], [], []
        fact_name = intent.value
        key_question = intent.key_question if fact_name in ("rating", "score", "previous_rating") else None
        wanted_rating = next((w for w in _RATING_WORDS if w in question.lower()), None) if intent.kind == "set" else None
        for report in sorted(reports, key=lambda r: r.provider):
            # Per key question: Iridium's Well-led rating is not its "safe rating".
            stated = report.stated(fact_name, key_question)
            if not stated:
                missing.append(report)
                continue
            matched = False
            for fact in stated:
                n = cites.cite(report, fact.start, fact.end, 1.0)
                lines.append(f"- **{_report_label(report)}**: {self._value_phrase(fact.name, fact.value, report)} [{n}]")
                if intent.kind == "set" and not matched and _meets_condition(question, fact.value, wanted_rating):
                    matching.append(ProviderFinding(report.provider, findings.MEETS, (n,)))
                    matched = True
        label = _VALUE_LABEL.get(fact_name, fact_name)
        if not lines:
            who = ", ".join(r.provider for r in missing) or "any report in scope"
            return Answer(question, f"No report in scope states a {label} for {who}.", True, kind="value")
        text = "\n".join(lines)
        if intent.kind == "set" and _has_condition(question, wanted_rating):
            names = ", ".join(m.name for m in matching) or "none"
            text = f"{len(matching)} of {len(reports)} providers in scope match: {names}.\n\nAll stated values:\n" + text
        if missing:
            text += f"\n\nNot stated in the report of: {', '.join(r.provider for r in missing)}."
        return Answer(question, text, False, tuple(cites.items), tuple(matching), kind="value",
                      focus=tuple(m.name for m in matching))

    @staticmethod
    def _value_phrase(name: str, value: str, report: Report) -> str:
        """A stated value in words, from its fact name (the scheme in ``models``)."""
        kind, _, area = name.partition(":")  # "score:well-led": a score, for Well-led
        titled = area.capitalize() if area in KEY_QUESTIONS else area  # "Well-led", as the report titles it
        if kind == "score":
            return f"scored {value} out of 100 for {titled or report.key_question or 'this area'}"
        if kind == "rating":
            if area in ("overall", "location"):
                return f"rated {value} overall" + (" (the location)" if area == "location" else "")
            # A report about one key question names it as a title; one rating several, as a word.
            return f"rated {value}" + (f" for {titled if report.key_question else area}" if area else "")
        if kind == "previous_rating":
            return f"previously rated {value}" + (
                f" for {titled if report.key_question else area}" if area and area != "overall" else "")
        if kind == "statement":
            kq, _, statement = area.partition(":")
            return f"scored {value} (of 4) for {statement} ({kq})"
        if kind == "date":
            main = report.date_text if report.stated("date") and report.stated("date")[0].name == name else None
            when = main or DateRange.parse(value).describe()
            verbs = {"report": "report dated", "inspection": "inspected", "assessment": "assessed",
                     "onsite": "visited on site", "updated": "updated", "previous": "previously inspected"}
            on = "on " if area in ("inspection", "assessment", "onsite", "previous") and " to " not in when \
                and " and " not in when else ""
            return f"{verbs.get(area, area)} {on}{when}"
        if name == "population":
            return f"population {value}"
        if name == "established":
            return f"established {value}"
        return f"{_VALUE_LABEL.get(name, name)}: {value}"

    # -- set questions ----------------------------------------------------------------------

    def _set(self, question: str, intent: Intent, filters: Filters) -> Answer:
        topic = findings.topic_from(intent.topic)
        if not topic.groups:
            return Answer(question, "I could not tell what the question asks about each provider.", True, kind="set")
        reports = sorted(self.catalog.select(filters), key=lambda r: r.provider)
        if not self.retriever.settings.scan_all_providers:
            # Only the providers among the top-k passages (the usual RAG shortcut), kept so the
            # evaluation can measure what scanning every provider buys.
            top = {h.chunk.provider for h in self.retriever.search(question, filters)}
            reports = [r for r in reports if r.provider in top]
        scores = self.data.bm25.scores(topic.query_terms())
        cites = _Citations(self.data.reports)
        verdicts: list[tuple[Report, str, list[findings.Evidence]]] = []
        candidates = self._topic_rows(scores)
        for report in reports:
            rows = candidates.get(report.report_id, ())
            evidence = []
            seen = set()
            for row in rows:
                chunk = self.data.chunks[row]
                for s, e in sentence_spans(report.text, chunk.start, chunk.end):
                    if (s, e) in seen:
                        continue
                    seen.add((s, e))
                    ev = findings.read_sentence(report.text, s, e, topic)
                    if ev:
                        evidence.append(ev)
            verdicts.append((report, findings.verdict(evidence), evidence))

        wanted = (findings.LACKING, findings.PARTLY) if topic.negative else (findings.MEETS, findings.PARTLY)
        provider_findings, listed, others = [], [], []
        for report, verdict, evidence in verdicts:
            ns = tuple(
                cites.cite(report, ev.start, ev.end, ev.relevance)
                for ev in findings.supporting(evidence, verdict)
            ) if verdict != findings.NO_EVIDENCE else ()
            provider_findings.append(ProviderFinding(report.provider, verdict, ns))
            line = f"- **{report.provider}** — {verdict}: " + " ".join(
                f"“{_quote(cites.items[n - 1].text)}” [{n}]" for n in ns
            )
            (listed if verdict in wanted else others).append((verdict, report.provider, line))
        order = {findings.LACKING: 0, findings.PARTLY: 1, findings.MEETS: 2, findings.NO_EVIDENCE: 3}
        listed.sort(key=lambda x: order[x[0]])
        focus = tuple(name for _, name, _ in listed)
        total = len(verdicts)
        if not listed:
            text = (f"None of the {total} providers in scope has evidence that matches “{intent.topic}”."
                    if topic.negative or not others else f"No provider in scope matches “{intent.topic}”.")
        else:
            text = f"{len(listed)} of {total} providers in scope: {', '.join(focus)}.\n\n"
            text += "\n".join(line for _, _, line in listed)
        with_evidence = [line for v, _, line in others if v != findings.NO_EVIDENCE]
        if with_evidence:
            text += "\n\nOther providers with evidence on this topic:\n" + "\n".join(with_evidence)
        none = [f.name for f in provider_findings if f.finding == findings.NO_EVIDENCE]
        if none:
            text += f"\n\nNo evidence on this topic in the reports of: {', '.join(none)}."
        no_answer = all(f.finding == findings.NO_EVIDENCE for f in provider_findings)
        return Answer(question, text, no_answer, tuple(cites.items), tuple(provider_findings), kind="set",
                      focus=focus)

    def _topic_rows(self, scores: np.ndarray) -> dict[str, np.ndarray]:
        """Each report's best CANDIDATE_CHUNKS_PER_PROVIDER rows with a positive score, best first.

        Vectorised over the positive rows only, so a set question at 10k providers does not
        loop over every report's rows in Python (reports without a hit get no entry).
        """
        rows = np.flatnonzero(scores > 0)
        if rows.size == 0:
            return {}
        chunks = self.data.chunks
        report_ids = [chunks[r].report_id for r in rows]
        codes = {rid: i for i, rid in enumerate(dict.fromkeys(report_ids))}
        code = np.fromiter((codes[rid] for rid in report_ids), dtype=np.int64, count=rows.size)
        order = np.lexsort((rows, -scores[rows], code))  # by report, then best score, then row (stable ties)
        rows, code = rows[order], code[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        ends = np.r_[starts[1:], rows.size]
        names = list(codes)
        return {names[code[a]]: rows[a : min(b, a + CANDIDATE_CHUNKS_PER_PROVIDER)] for a, b in zip(starts, ends)}

    # -- passages -------------------------------------------------------------------------------

    def _passage(self, question: str, filters: Filters, mode: str | None, k: int | None) -> Answer:
        hits = self.retriever.search(question, filters, mode=mode, k=k)
        if not hits:
            return Answer(question, self._nothing(filters), True, kind="none")
        terms = self._question_terms(question, filters)
        wants_number = bool(_COUNT_QUESTION.search(question))
        scored = []
        for rank, hit in enumerate(hits, start=1):
            report = self.data.reports[hit.chunk.report_id]
            header = set(stem_all(words(" ".join(hit.chunk.section))))
            for s, e in sentence_spans(report.text, hit.chunk.start, hit.chunk.end):
                sentence = report.text[s:e]
                cov = self._coverage(terms, set(tokenize(sentence)) | header)
                bonus = 0.15 / rank + (0.1 if wants_number and _NUMBER.search(sentence) else 0.0)
                scored.append((cov + bonus, cov, rank, hit, report, s, e))
        scored.sort(key=lambda x: -x[0])
        if not scored or not self._supported(scored[0][1], scored[0][3]):
            return Answer(question, "No passage in the reports answers this question.", True, kind="none")
        best_cov = scored[0][1]
        cites = _Citations(self.data.reports)
        chosen = []
        for total, cov, rank, hit, report, s, e in scored:
            if len(chosen) == MAX_PASSAGE_SENTENCES:
                break
            if cov < best_cov * 0.5 and chosen:
                break
            if any(c[1] is report and c[2] == s for c in chosen):
                continue
            chosen.append((hit, report, s, e, total))
        lines = []
        for hit, report, s, e, total in chosen:
            n = cites.cite(report, s, e, hit.score, hit.chunk.section)
            lines.append(f"- **{_report_label(report)}**, {hit.chunk.section[-1]}: “{_quote(report.text[s:e])}” [{n}]")
        return Answer(question, "\n".join(lines), False, tuple(cites.items), kind="passage")

    @staticmethod
    def _supported(coverage: float, hit: Hit) -> bool:
        """Whether the best sentence (and its chunk) really answer the question."""
        if "dense" not in hit.scores:  # BM25-only mode: lexical coverage is all there is
            return coverage >= MIN_COVERAGE
        dense = hit.scores["dense"]
        return (coverage >= MIN_COVERAGE and dense >= MIN_DENSE_WITH_COVERAGE) or dense >= MIN_DENSE_ALONE

    def _question_terms(self, question: str, filters: Filters) -> dict[str, float]:
        """Question stems weighted by idf, without the words naming the providers in scope."""
        # Expanded like the question, so "IUC" in a name also drops "integrated urgent care".
        name_words = set(tokenize(" ".join(filters.providers)))
        terms = {t for t in tokenize(question) if t not in name_words}
        index = self.data.bm25.term_index
        idf = self.data.bm25.idf
        # A word the corpus never uses is rarer than any word it does: give it the idf of a
        # term in no document, so "parking fines" outweighs a lucky match on "CQC policy".
        n = self.data.bm25.n_docs
        unseen = float(np.log((n + 0.5) / 0.5))
        return {t: float(max(idf[index[t]], 0.1)) if t in index else unseen for t in terms}

    @staticmethod
    def _coverage(terms: dict[str, float], stems: set[str]) -> float:
        total = sum(terms.values())
        if not total:
            return 0.0
        return sum(w for t, w in terms.items() if t in stems) / total

    def _nothing(self, filters: Filters) -> str:
        if filters.is_empty():
            return "The index holds no passages to search."
        return f"No report matches the filters ({filters.describe()})."
