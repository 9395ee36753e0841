"""Set questions: a finding on one topic for every provider in scope ("Which providers lacked …?").

Every provider in scope is checked, not only those of the top passages. Candidate chunks are
each report's best BM25 chunks for the topic's concepts plus the chunks closest in meaning to the
topic; their sentences are judged by meaning and words together, as arrays: a sentence is on the
topic when it states the topic's concepts and is close to it in meaning, or is very close in
meaning alone (a paraphrase). Only sentences on the topic are read for polarity, against the
standard the question asks about (``findings``). "Staffing or training" makes two topics.
"""

from __future__ import annotations

import re

import numpy as np

from assistant.answer import findings
from assistant.answer.base import NO_PASSAGE, Ask, quote
from assistant.answer.citations import key_of
from assistant.models import Answer, ProviderFinding, Report
from assistant.search import sentences as st

CHUNKS_PER_REPORT = 4  # BM25 candidate chunks read per report
DENSE_CHUNKS = 50  # chunks closest in meaning to a topic, over the whole scope
# "Regulation 12", "regulations 12 and 17", "reg. 18": the regulation numbers a question or sentence names.
# Two digits at most: "Regulations 2014" is the year of the Act's regulations, not a regulation.
_REGULATION = re.compile(r"\breg(?:ulation)?s?\.?\s+(\d{1,2}[a-z]?\b(?:\s*(?:,|and|or|&)\s*\d{1,2}[a-z]?\b)*)", re.I)
_ORDER = {findings.LACKING: 0, findings.PARTLY: 1, findings.MEETS: 2, findings.NO_EVIDENCE: 3}


def answer(ask: Ask) -> Answer:
    """A finding for every provider in scope, the providers the question asks for listed first."""
    a = ask.analysis
    whole = findings.topic_from(a.topic)
    topics = [findings.topic_from(t, asks_lack=whole.negative != whole.undesirable) for t in a.topics]
    topics = [t for t in topics if t.groups] or ([whole] if whole.groups else [])
    if not topics:
        return ask.nothing("I could not tell what the question asks about each provider.", NO_PASSAGE, kind="set")
    reports = sorted(ask.reports, key=lambda r: r.provider)
    numbers = regulations(a.topic)
    if numbers and whole.undesirable:
        breached = _breaches(reports, numbers)
        if any(breached.values()):
            return _compose(ask, whole, reports, breached)
    if not ask.assistant.retriever.settings.scan_all_providers:
        top = {h.chunk.provider for h in ask.hits}
        reports = [r for r in reports if r.provider in top]
    embed = ask.assistant.retriever.embedder.encode_query
    vectors = [ask.vector] if len(topics) == 1 and topics[0].text == a.topic else [embed(t.text) for t in topics]
    vectors = np.vstack(vectors).astype(np.float32)
    evidence: dict[str, list[findings.Evidence]] = {r.report_id: [] for r in reports}
    for topic, vector in zip(topics, vectors):
        for report_id, ev in _read(ask, topic, vector, {r.report_id for r in reports}):
            evidence[report_id].append(ev)
    return _compose(ask, topics[0] if len(topics) == 1 else whole, reports, evidence)


def regulations(text: str) -> set[str]:
    """The regulation numbers ``text`` names ("12", "17")."""
    return {n.lower() for m in _REGULATION.finditer(text) for n in re.findall(r"\d{1,2}[a-z]?", m.group(1), re.I)}


def _breaches(reports: list[Report], numbers: set[str]) -> dict[str, list[findings.Evidence]]:
    """Per report, the breaches of the asked regulations that its parsed breach facts state, each cited at
    the sentence that states it: a report's breaches are read from what the parser found, so a sentence
    about Regulation 11 never stands for a breach of Regulation 12."""
    out: dict[str, list[findings.Evidence]] = {}
    for report in reports:
        spans = {(f.start, f.end) for f in report.facts
                 if f.name == "breach" and regulations(f"regulation {f.value.split(':')[0]}") & numbers}
        out[report.report_id] = [findings.Evidence(s, e, findings.LACKING, 1.0) for s, e in sorted(spans)]
    return out


def _read(ask: Ask, topic: findings.Topic, vector: np.ndarray, report_ids: set[str]):
    """(report id, evidence) for every on-topic sentence of the reports in ``report_ids``."""
    s = ask.settings
    index = ask.sentences
    rows = index.lookup.rows_in(_candidate_chunks(ask, topic, vector, report_ids))
    rows = rows[(index.table.cues[rows] & (st.BOILERPLATE | st.LABEL)) == 0]
    if rows.size == 0:
        return
    similarity = index.similarity(rows, vector)
    concepts = _concepts(index.table.terms[rows], topic)
    close = similarity >= s.set_min_similarity if index.table.has_vectors else np.ones(rows.size, bool)
    alone = similarity >= s.set_similarity_alone if index.table.has_vectors else np.zeros(rows.size, bool)
    on_topic = ((concepts >= topic.required()) & close) | alone
    asked = regulations(topic.text)
    for i in np.flatnonzero(on_topic):
        row = int(rows[i])
        chunk = index.chunks[int(index.table.chunk_id[row])]
        report = ask.data.reports[chunk.report_id]
        named = regulations(report.text[int(index.table.start[row]):int(index.table.end[row])]) if asked else set()
        if named and not named & asked:  # about another regulation than the one asked
            continue
        ev = findings.read_sentence(report.text, int(index.table.start[row]), int(index.table.end[row]), topic,
                                    on_topic=True, relevance=float(similarity[i]) + concepts[i] / len(topic.groups))
        if ev:
            yield chunk.report_id, ev


def _candidate_chunks(ask: Ask, topic: findings.Topic, vector: np.ndarray, report_ids: set[str]) -> np.ndarray:
    """Chunk ids: each report's best BM25 chunks for the topic's concepts, and the chunks closest in meaning."""
    data = ask.data
    retriever = ask.assistant.retriever
    mask = retriever.allowed_rows(ask.filters)
    scores = np.where(mask, retriever.lexical.scores(topic.query_terms()), 0.0)
    rows = np.flatnonzero(scores > 0)
    ids = []
    if rows.size:
        report_of = [data.chunks[r].report_id for r in rows]
        codes = {rid: i for i, rid in enumerate(dict.fromkeys(report_of))}
        code = np.fromiter((codes[rid] for rid in report_of), dtype=np.int64, count=rows.size)
        order = np.lexsort((rows, -scores[rows], code))  # by report, then best score
        rows, code = rows[order], code[order]
        first = np.r_[True, code[1:] != code[:-1]]
        rank = np.arange(rows.size) - np.maximum.accumulate(np.where(first, np.arange(rows.size), 0))
        ids = [data.chunks[r].chunk_id for r in rows[rank < CHUNKS_PER_REPORT]]
    if ask.sentences.table.has_vectors and mask.any():
        ids += [cid for cid, _ in retriever.dense(topic.text, mask, DENSE_CHUNKS, vector)]
    return np.asarray([c for c in dict.fromkeys(ids) if data.chunk(c).report_id in report_ids], dtype=np.int64)


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


def _compose(ask: Ask, topic: findings.Topic, reports: list[Report], evidence) -> Answer:
    a = ask.analysis
    book = ask.book()
    wanted = (findings.LACKING, findings.PARTLY) if topic.negative else (findings.MEETS, findings.PARTLY)
    rows = []
    for report in reports:
        ev = evidence[report.report_id]
        finding = findings.verdict(ev)
        rows.append((report, finding, findings.supporting(ev, finding) if ev else []))
    rows.sort(key=lambda r: (r[1] not in wanted, _ORDER[r[1]], r[0].provider))
    provider_findings, listed, others, none = [], [], [], []
    for report, finding, support in rows:
        if finding == findings.NO_EVIDENCE:
            provider_findings.append(ProviderFinding(report.provider, finding))
            none.append(report.provider)
            continue
        marks = [book.add(report, e.start, e.end, e.relevance) for e in support]
        provider_findings.append(ProviderFinding(report.provider, finding, tuple(key_of(m) for m in marks)))
        line = f"- **{report.provider}** — {finding}: " + " ".join(
            f"“{quote(report.text[e.start:e.end])}” {m}" for e, m in zip(support, marks))
        (listed if finding in wanted else others).append((report.provider, line))
    total = len(reports)
    if listed:
        text = f"{len(listed)} of {total} providers in scope: {', '.join(p for p, _ in listed)}.\n\n"
        text += "\n".join(line for _, line in listed)
    elif others:
        text = f"No provider in scope matches “{a.topic}”."
    else:
        text = f"None of the {total} providers in scope has evidence that matches “{a.topic}”."
    if others:
        text += "\n\nOther providers with evidence on this topic:\n" + "\n".join(line for _, line in others)
    if none:
        text += f"\n\nNo evidence on this topic in the reports of: {', '.join(none)}."
    text, citations, found = book.finish(text, provider_findings)
    no_answer = all(f.finding == findings.NO_EVIDENCE for f in found)
    return Answer(a.question, text, no_answer, citations, found, kind="set",
                  focus=tuple(p for p, _ in listed), reason=NO_PASSAGE if no_answer else "")
