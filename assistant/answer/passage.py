"""Passage answers: the sentences of the retrieved chunks that answer the question, quoted and cited.

The best candidate must pass the answerability gate (``AnswerSettings.gate_*``); further sentences
are quoted while they score close to it and pass the gate themselves. A quoted figure comes with
the next sentence when that one corrects or restates it ("35 complaints" … "71 complaints").
"""

from __future__ import annotations

from assistant.answer import evidence
from assistant.answer.base import NO_PASSAGE, Ask, names, quote, report_label
from assistant.models import Answer


def chosen(ask: Ask) -> list[evidence.Candidate]:
    """The sentences a passage answer quotes, best first; empty when none passes the gate."""
    s = ask.settings
    a = ask.analysis
    found = evidence.candidates(ask.sentences, ask.data.reports, ask.hits, a.terms, ask.vector, s, a.count,
                                a.alternatives, a.figure)
    if not found or found[0].answerability(s) < s.gate_threshold:
        return []
    best = found[0]
    out = [best]
    seen = {(best.report.report_id, best.start)}
    for c in found[1:]:
        if len(out) == s.max_sentences or c.score < best.score - s.keep_within:
            break
        if (c.report.report_id, c.start) in seen or c.answerability(s) < s.gate_threshold:
            continue
        seen.add((c.report.report_id, c.start))
        out.append(c)
    return out


def answer(ask: Ask) -> Answer:
    """The passage answer, or a no-answer (reason ``no_passage``) when nothing passes the gate."""
    picked = chosen(ask)
    if not picked:
        return ask.nothing(no_passage_text(ask), NO_PASSAGE)
    book = ask.book()
    quoted = {(c.report.report_id, c.start) for c in picked}
    lines = []
    for c in picked:
        parts = [f"“{quote(c.report.text[c.start:c.end])}” {book.add(c.report, c.start, c.end, c.score, c.chunk.section)}"]
        more = evidence.continuation(ask.sentences, c.report, c) or [evidence.correction(ask.sentences, c.report, c)]
        for span in more:
            if span and (c.report.report_id, span[0]) not in quoted:
                quoted.add((c.report.report_id, span[0]))
                parts.append(f"“{quote(c.report.text[span[0]:span[1]])}” "
                             f"{book.add(c.report, *span, c.score, c.chunk.section)}")
        lines.append(f"- **{report_label(c.report)}**, {c.chunk.section[-1]}: " + " ".join(parts))
    text, citations, _ = book.finish("\n".join(lines))
    return Answer(ask.analysis.question, text, False, citations, kind="passage",
                  focus=tuple(dict.fromkeys(c.provider for c in citations)))


def no_passage_text(ask: Ask) -> str:
    """Why there is no passage answer, naming the reports searched."""
    providers = ask.analysis.providers
    where = f"the reports of {names(providers)}" if providers else "the reports"
    return f"No passage in {where} answers this question."
