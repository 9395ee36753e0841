"""Set questions: a finding on one topic for every provider in scope ("Which providers lacked …?").

Every provider in scope is checked, not only those of the top passages. Candidate chunks are
each report's best BM25 chunks for the topic's concepts plus the chunks closest in meaning to the
topic; their sentences are judged by meaning and words together, as arrays: a sentence is on the
topic when it states the topic's concepts and is close to it in meaning, or is very close in
meaning alone (a paraphrase). Only sentences on the topic are read for polarity, against the
standard the question asks about (``findings``). "Staffing or training" makes two topics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import repeat
from operator import attrgetter

import numpy as np

from assistant import vocabulary
from assistant.answer import findings, sweep
from assistant.answer.base import NO_PASSAGE, Ask, quote
from assistant.answer.citations import key_of
from assistant.models import Answer, ProviderFinding, Report
from assistant.search import sentences as st

_ORDER = {findings.LACKING: 0, findings.PARTLY: 1, findings.MEETS: 2, findings.NO_EVIDENCE: 3}


def answer(ask: Ask) -> Answer:
    """A finding for every provider in scope, the providers the question asks for listed first."""
    a = ask.analysis
    whole = findings.topic_from(a.topic)
    topics = [findings.topic_from(t, asks_lack=whole.negative != whole.undesirable) for t in a.topics]
    topics = [t for t in topics if t.groups] or ([whole] if whole.groups else [])
    if not topics:
        return ask.nothing("I could not tell what the question asks about each provider.", NO_PASSAGE, kind="set")
    reports = sorted(ask.reports, key=attrgetter("provider"))
    numbers = set(a.regulations)
    # Breaches and enforcement are read from the facts the parser found, each cited where it is stated: a
    # sentence about Regulation 11 never stands for a breach of Regulation 12.
    if a.value in ("breach", "enforcement") or (numbers and whole.undesirable):
        stated = _stated(reports, "enforcement" if a.value == "enforcement" else "breach", numbers)
        if any(stated.values()):
            return _compose(ask, replace(whole, negative=True), reports, stated)
    if not ask.assistant.retriever.settings.scan_all_providers:
        top = {h.chunk.provider for h in ask.hits}
        reports = [r for r in reports if r.provider in top]
    embed = ask.assistant.retriever.embedder.encode_query
    each = [ask.vector] if len(topics) == 1 and topics[0].text == a.topic else [embed(t.text) for t in topics]
    vectors = np.vstack(each).astype(np.float32)
    evidence: dict[str, list[findings.Evidence]] = {}  # only the reports with evidence (of 10k+ in scope)
    per_topic: dict[str, list[list[findings.Evidence]]] = {}  # report id -> its evidence on each topic
    in_scope = sweep.columns(ask.sentences).report_mask(map(attrgetter("report_id"), reports))
    for i, (topic, vector) in enumerate(zip(topics, vectors)):
        for report_id, ev in _read(ask, topic, vector, in_scope):
            evidence.setdefault(report_id, []).append(ev)
            per_topic.setdefault(report_id, [[] for _ in topics])[i].append(ev)
    if len(topics) == 1:
        return _compose(ask, topics[0], reports, evidence)
    # "Lacked X or Y": a verdict per topic, then the one the question asks about (a shortfall on either
    # topic for a "lacked" question, either standard met for a "had good" one); pooling the topics' labels
    # would call a provider that meets X and lacks Y "partly".
    pick = findings.worst if whole.negative else findings.best
    verdicts = {rid: pick([findings.verdict(ev) for ev in lists if ev]) for rid, lists in per_topic.items()}
    return _compose(ask, whole, reports, evidence, verdicts)


def _stated(reports: list[Report], family: str, numbers: set[str]) -> dict[str, list[findings.Evidence]]:
    """Per report, its parsed ``family`` facts (breaches, enforcement actions) of the asked regulations (any,
    when none is asked), each cited at the sentence that states it."""
    out: dict[str, list[findings.Evidence]] = {}
    names = (family, "breach_topic") if family == "breach" else (family,)  # a breach named only by its topic
    for report in reports:
        spans = {(f.start, f.end) for f in report.facts if f.name.partition(":")[0] in names
                 and (not numbers or _regulations_of(f.value) & numbers)}
        out[report.report_id] = [findings.Evidence(s, e, findings.LACKING, 1.0) for s, e in sorted(spans)]
    return out


def _regulations_of(value: str) -> set[str]:
    """The regulation numbers a breach or enforcement fact states, by number or by name ("good governance": 17)."""
    return set(vocabulary.regulation_numbers(f"regulation {value.split(':')[0]}") + vocabulary.regulation_numbers(value)
               + vocabulary.regulation_phrases().values(value))


def _read(ask: Ask, topic: findings.Topic, vector: np.ndarray,
          in_scope: np.ndarray) -> Iterator[tuple[str, findings.Evidence]]:
    """(report id, evidence) for every on-topic sentence of the reports ``in_scope`` (a mask by report code)."""
    s = ask.settings
    index = ask.sentences
    rows = _candidate_sentences(ask, topic, vector, in_scope)
    rows = rows[(index.table.cues[rows] & (st.BOILERPLATE | st.LABEL)) == 0]
    if rows.size == 0:
        return
    similarity = index.similarity(rows, vector)
    close = similarity >= s.set_min_similarity if index.table.has_vectors else np.ones(rows.size, bool)
    alone = similarity >= s.set_similarity_alone if index.table.has_vectors else np.zeros(rows.size, bool)
    # Concepts matter only where the meaning is close enough (or alone suffices): count them there only.
    concepts = np.zeros(rows.size, dtype=np.int64)
    judged = np.flatnonzero(close | alone)
    concepts[judged] = _concepts(index.table.terms[rows[judged]], topic)
    on_topic = ((concepts >= topic.required()) & close) | alone
    asked = set(vocabulary.regulation_numbers(topic.text))
    for i in np.flatnonzero(on_topic):
        row = int(rows[i])
        chunk = index.chunks[int(index.table.chunk_id[row])]
        report = ask.data.reports[chunk.report_id]
        named = set(vocabulary.regulation_numbers(
            report.text[int(index.table.start[row]):int(index.table.end[row])])) if asked else set()
        if named and not named & asked:  # about another regulation than the one asked
            continue
        if index.furniture(report, int(index.table.start[row]), int(index.table.end[row])):
            continue  # page furniture is never a finding
        ev = findings.read_sentence(report.text, int(index.table.start[row]), int(index.table.end[row]), topic,
                                    on_topic=True, relevance=float(similarity[i]) + concepts[i] / len(topic.groups))
        if ev:
            yield chunk.report_id, ev


def _candidate_sentences(ask: Ask, topic: findings.Topic, vector: np.ndarray, in_scope: np.ndarray) -> np.ndarray:
    """Sentence rows of the candidate chunks: each report's best BM25 chunks for the topic's concepts, and
    the chunks closest in meaning (array work over every chunk in scope: ``scan``)."""
    data = ask.data
    retriever = ask.assistant.retriever
    cols = sweep.columns(ask.sentences)
    mask = retriever.allowed_rows(ask.filters)
    scores = np.where(mask, retriever.lexical.scores(topic.query_terms()), 0.0)
    chunk_rows = [sweep.best_per_report(cols, scores, ask.settings.set_chunks_per_report)]
    if ask.sentences.table.has_vectors and mask.any():
        dense = [cid for cid, _ in retriever.dense(topic.text, mask, ask.settings.set_dense_chunks, vector)]
        chunk_rows.append(np.fromiter((data.row_of[c] for c in dense), dtype=np.int64, count=len(dense)))
    return sweep.sentence_rows(cols, np.concatenate(chunk_rows), in_scope)


def _concepts(terms: np.ndarray, topic: findings.Topic) -> np.ndarray:
    """How many of the topic's concept groups each row's terms state (an alternative counts when all its stems do)."""
    stems = sorted({s for g in topic.groups for alt in g for s in alt})
    column = {s: i for i, s in enumerate(stems)}
    present = (terms[:, :, None] == st.term_hashes(stems)[None, None, :]).any(axis=1)
    count = np.zeros(terms.shape[0], dtype=np.int64)
    for group in topic.groups:
        hit = np.zeros(terms.shape[0], dtype=bool)
        for alt in group:
            if alt:
                hit |= present[:, [column[s] for s in alt]].all(axis=1)
        count += hit
    return count


def _compose(ask: Ask, topic: findings.Topic, reports: list[Report], evidence: dict[str, list[findings.Evidence]],
             verdicts: dict[str, str] | None = None) -> Answer:
    """The answer: providers the question asks for first, each with its finding (``verdicts`` when given,
    else judged from all its evidence) and the sentences that best support it."""
    a = ask.analysis
    book = ask.book()
    wanted = (findings.LACKING, findings.PARTLY) if topic.negative else (findings.MEETS, findings.PARTLY)
    rows = []
    for report in reports:
        ev = evidence.get(report.report_id)
        if ev:
            finding = verdicts[report.report_id] if verdicts else findings.verdict(ev)
            rows.append((report, finding, findings.supporting(ev, finding)))
    rows.sort(key=lambda r: (r[1] not in wanted, _ORDER[r[1]], r[0].provider))
    # Providers without evidence come last, in provider order (``reports`` is): at 10k+ providers most of
    # them, so they are listed by C loops.
    none = [r.provider for r in reports if not evidence.get(r.report_id)]
    listed: list[tuple[str, str]]  # (provider, line)
    others: list[tuple[str, str]]
    provider_findings, listed, others = [], [], []
    for report, finding, support in rows:
        marks = [book.add(report, e.start, e.end, e.relevance) for e in support]
        answers = finding in wanted
        provider_findings.append(ProviderFinding(report.provider, finding, tuple(key_of(m) for m in marks), answers))
        line = f"- **{report.provider}** — {finding}: " + " ".join(
            f"“{quote(report.text[e.start:e.end])}” {m}" for e, m in zip(support, marks))
        (listed if answers else others).append((report.provider, line))
    provider_findings += map(ProviderFinding, none, repeat(findings.NO_EVIDENCE))
    total = len(reports)
    checked = f"{total} provider{'s' if total != 1 else ''} checked"
    if listed:
        text = f"{', '.join(p for p, _ in listed)} ({len(listed)} of {checked}).\n\n"
        text += "\n".join(line for _, line in listed)
    elif others:
        text = f"No provider matches “{a.topic}” ({checked})."
    else:
        text = f"No evidence on “{a.topic}” in the reports of the {checked}."
    if others:
        text += "\n\nOther providers with evidence on this topic:\n" + "\n".join(line for _, line in others)
    if none:
        text += f"\n\nNo evidence on this topic in the reports of: {', '.join(none)}."
    text, citations, found = book.finish(text, provider_findings)
    no_answer = all(f.finding == findings.NO_EVIDENCE for f in found)
    return Answer(a.question, text, no_answer, citations, found, kind="set",
                  focus=tuple(p for p, _ in listed), reason=NO_PASSAGE if no_answer else "")
