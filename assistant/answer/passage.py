"""Passage answers: the sentences of the retrieved chunks that answer the question, quoted and cited.

The best candidate must pass the answerability gate (``AnswerSettings.gate_*``); further sentences
are quoted while they score close to it and pass the gate themselves. A quoted figure comes with
the next sentence when that one corrects or restates it ("35 complaints" … "71 complaints"), a
lead-in ("We saw two areas of outstanding practice:") with the items it introduces, and quoted
sentences that follow one another in a report are quoted together, in report order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.answer import evidence
from assistant.answer.base import NO_PASSAGE, Ask, names, quote, report_label
from assistant.models import Answer
from assistant.search import sentences as st

if TYPE_CHECKING:
    from assistant.answer.analysis import Analysis


# The opening line of a declined answer whose best sentence only nearly answers (AnswerSettings.hedge_threshold):
# a weak match is listed as the closest the reports come, never as the answer.
NEARLY = "No sentence in the reports answers this directly. The closest passages, which do not answer it:"
NO_DIRECT_ANSWER = "no_direct_answer"


def candidates(ask: Ask) -> list[evidence.Candidate]:
    """The candidate sentences of the retrieved chunks, best first (``evidence.candidates``)."""
    a = ask.analysis
    return evidence.candidates(ask.sentences, ask.data.reports, ask.hits, a.terms, ask.vector, ask.settings, a.count,
                               a.alternatives, a.frequency, ask.content_vector)


def chosen(ask: Ask, found: list[evidence.Candidate] | None = None) -> list[evidence.Candidate]:
    """The sentences a passage answer quotes, best first; empty when none passes the gate.

    A question that asks for a figure ("how many") or a frequency ("how often") is answered first by the
    best sentence stating one and sharing a content word with the question, in a chunk whose best sentence
    passes the gate: "The group meets monthly" answers how often the group meets, next to the sentence
    that says which group. "How many" with no such figure is not answered.
    """
    s = ask.settings
    a = ask.analysis
    found = candidates(ask) if found is None else found
    passing = [c for c in found if c.answerability(s) >= s.gate_threshold]
    if not found or found[0].answerability(s) < s.gate_threshold:
        return []
    out: list[evidence.Candidate] = []
    cue = st.NUMBER if a.figure else st.FREQUENCY if a.frequency else 0
    if cue:
        typed = stating(a, found, {c.chunk.chunk_id for c in passing})
        if not typed and a.figure:
            return []
        out += typed[:1]
    best = found[0]
    for c in [best] + passing[1:]:
        if len(out) == s.max_sentences:
            break
        if c.score < best.score - s.keep_within and c is not best:
            break
        if all((c.report.report_id, c.start) != (o.report.report_id, o.start) for o in out):
            out.append(c)
    return out


def stating(a: Analysis, found: list[evidence.Candidate], context: set[int]) -> list[evidence.Candidate]:
    """The candidates stating the figure ("how many") or frequency ("how often") asked for, best first: in a
    chunk of ``context`` and sharing a content word with the question ("This service scored 39" is no count
    of beds), or putting a figure on the thing counted, which may be a frame word ("one inspector" for how
    many inspectors). A figure on more of the things asked comes first ("one inspector", not "Section 60";
    "12 core services", not "three mental health services")."""
    unit = a.counted if a.figure else ()
    cue = st.FREQUENCY if a.frequency and not a.figure else st.NUMBER
    typed = [c for c in found if (evidence.states_figure(c.text, c.cues) if a.figure else c.cues & cue)
             and ((c.chunk.chunk_id in context and c.lexical > 0) or (unit and evidence.counts(c.text, unit)))]
    if a.figure:
        stems = [t for t, _ in a.terms] + list(unit)
        typed.sort(key=lambda c: -evidence.counts(c.text, stems))
    return typed


def answer(ask: Ask) -> Answer:
    """The passage answer, or a no-answer (reason ``no_passage``) when nothing passes the gate. Either way its
    ``confidence`` is the best sentence's answerability (None when no sentence was found)."""
    found = candidates(ask)
    picked = chosen(ask, found)
    confidence = round(found[0].answerability(ask.settings), 4) if found else None
    if not picked:
        return replace(ask.nothing(no_passage_text(ask), NO_PASSAGE), confidence=confidence)
    book = ask.book()
    lines = []
    for c, group in _groups(ask.sentences, picked):
        quotes = " ".join(f"“{quote(c.report.text[s:e])}” {book.add(c.report, s, e, c.score, c.chunk.section)}"
                          for s, e in group)
        lines.append(f"- **{report_label(c.report)}**, {c.chunk.section[-1]}: {quotes}")
    hedged = confidence is not None and confidence < ask.settings.hedge_threshold
    if hedged:
        # A near miss is a decline: its closest passages are listed as such, never as the answer.
        lines.insert(0, NEARLY)
    text, citations, _ = book.finish("\n".join(lines))
    return Answer(ask.analysis.question, text, hedged, citations, kind="passage",
                  focus=tuple(dict.fromkeys(c.provider for c in citations)), confidence=confidence,
                  reason=NO_DIRECT_ANSWER if hedged else "")


def _groups(index: evidence.SentenceIndex,
            picked: list[evidence.Candidate]) -> list[tuple[evidence.Candidate, list[tuple[int, int]]]]:
    """Each quoted passage: the first picked sentence in it and its spans in report order. Groups of one report
    that share a sentence are one passage (a lead-in picked after the items it introduces), so no sentence is
    quoted twice."""
    out: list[tuple[evidence.Candidate, set[tuple[int, int]]]] = []
    for c in picked:
        spans = set(_group(index, c, picked))
        joined = [g for g in out if g[0].report.report_id == c.report.report_id and g[1] & spans]
        if not joined:
            out.append((c, spans))
            continue
        first = joined[0]
        for g in joined:
            first[1].update(g[1])
        first[1].update(spans)
        out = [g for g in out if g is first or g not in joined]
    return [(c, sorted(spans)) for c, spans in out]


def _group(index: evidence.SentenceIndex, c: evidence.Candidate,
           picked: list[evidence.Candidate]) -> list[tuple[int, int]]:
    """The spans quoted together with ``c``, in report order: the items it leads in to, the next sentence
    when that corrects its figure or opens by pointing back at it ("This has enabled …"), and picked sentences of the same report right before or after it."""
    spans = {(c.start, c.end)}
    spans.update(evidence.continuation(index, c.report, c))
    for extra in (evidence.correction(index, c.report, c), evidence.follow_on(index, c.report, c)):
        if extra:
            spans.add(extra)
    same = {(o.start, o.end) for o in picked if o.report.report_id == c.report.report_id}
    grew = True
    while grew:  # take in picked neighbours, so "35 complaints" and "71 complaints" read in order
        grew = False
        for s, e in sorted(same - spans):
            if any(_adjacent(c.report.text, (s, e), span) for span in spans):
                spans.add((s, e))
                grew = True
    return sorted(spans)


def _adjacent(text: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two spans are consecutive sentences (only spaces between them, within one paragraph)."""
    (s1, e1), (s2, e2) = sorted([a, b])
    gap = text[e1:s2]
    return s2 >= e1 and not gap.strip() and "\n" not in gap


def no_passage_text(ask: Ask) -> str:
    """Why there is no passage answer, naming the reports searched."""
    providers = ask.analysis.providers
    where = f"the reports of {names(providers)}" if providers else "the reports"
    return f"No passage in {where} answers this question."
