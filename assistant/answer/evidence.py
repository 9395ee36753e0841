"""Choosing sentences by meaning and words together.

The candidates are the sentences of the retrieved chunks (never the whole corpus: ranking every
sentence of the corpus finds the evidence far less often than ranking chunks first). Each is
scored from its sentence vector's cosine to the question, the idf-weighted share of the
question's content terms it states (its section heading counts too), and its chunk's rank, all
as array work over the sentence table. The same features give the answerability of the best one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.config import AnswerSettings
from assistant.models import Chunk, Hit, Report
from assistant.search import sentences as st
from assistant.search.tokens import stem_all, tokenize

if TYPE_CHECKING:
    from assistant.search.embed.protocol import TextEmbedder
    from assistant.search.index_data import IndexData

_UNIT = re.compile(r"\b\d[\d,]*\s+([a-z][a-z-]+)", re.I)  # "35 complaints" -> "complaints"
# A figure written as a word: CQC pages write small counts out ("undertaken by one inspector", "three dentists").
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                 "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|hundred|dozen")
_NUMBER_WORD = re.compile(rf"\b(?:{_NUMBER_WORDS})\b", re.I)


_COUNTED = re.compile(rf"(?:\b\d[\d,]*|\b(?:{_NUMBER_WORDS}))\b((?:\s+[a-z][a-z-]*){{1,3}})", re.I)


def counts(text: str, stems: Iterable[str]) -> int:
    """How many of ``stems`` (a question's content stems) a sentence puts a figure on, at most: the figure is
    followed, within three words, by them ("undertaken by one inspector", "12 core services" puts one on both
    "core" and "services"); 0 when it puts none on any."""
    wanted = set(stems)
    return max((len(wanted & set(stem_all(m.group(1).lower().split()))) for m in _COUNTED.finditer(text)), default=0)


def states_figure(text: str, cues: int) -> bool:
    """Whether a sentence states a figure: in digits (its ``NUMBER`` cue) or as a word ("one inspector")."""
    return bool(cues & st.NUMBER) or bool(_NUMBER_WORD.search(text))


class SentenceIndex:
    """The sentence table of a loaded index, with lookups by chunk. Built from the index when it has none."""

    def __init__(self, data: IndexData, embedder: TextEmbedder | None = None) -> None:
        table: st.SentenceTable | None = getattr(data, "sentences", None)
        complete = table is not None and len(np.unique(table.chunk_id)) == len(data.chunks)
        # ``table is None`` is already in ``not complete``: said again so the type checker narrows ``table``.
        if table is None or not complete or (embedder is not None and not table.has_vectors):
            # An index written before sentence tables existed: build it once, from the loaded reports.
            table = st.SentenceTable.build(data.reports, data.chunks, embedder.encode if embedder else None)
            data.sentences = table
        self.table: st.SentenceTable = table
        self.lookup = st.SentenceLookup(table)
        self.chunks: dict[int, Chunk] = {c.chunk_id: c for c in data.chunks}
        self._headings: dict[int, np.ndarray] = {}
        self._repeated: dict[tuple[int, float], np.ndarray] = {}
        self.furniture = Furniture()

    def heading_terms(self, chunk_id: int) -> np.ndarray:
        """Hashed stems of a chunk's section heading path."""
        got = self._headings.get(chunk_id)
        if got is None:
            got = self._headings[chunk_id] = st.term_hashes(tokenize(" ".join(self.chunks[chunk_id].section)))
        return got

    def repeated(self, min_reports: int, share: float) -> np.ndarray:
        """Rows of sentences that the corpus repeats word for word (the same stems) in at least ``min_reports``
        reports and ``share`` of all reports: page boilerplate ("Find out what we look at when we assess
        this area …"), judged by document frequency, not by a list of phrases. One row per sentence."""
        key = (min_reports, share)
        if key not in self._repeated:
            self._repeated[key] = _repeated_rows(self.table, self.chunks, min_reports, share)
        return self._repeated[key]

    def similarity(self, rows: np.ndarray, vector: np.ndarray | None) -> np.ndarray:
        """Cosine of each row's sentence to ``vector`` (zeros without vectors)."""
        if vector is None or not self.table.has_vectors or rows.size == 0:
            return np.zeros(rows.size, dtype=np.float32)
        cosine: np.ndarray = self.table.vector[rows].astype(np.float32) @ np.asarray(vector, dtype=np.float32)
        return cosine  # (numpy types the product as Any)

    def coverage(self, rows: np.ndarray, terms: Sequence[tuple[str, float]],
                 alternatives: Sequence[Sequence[frozenset[str]]] = ()) -> tuple[np.ndarray, np.ndarray]:
        """(share of the terms' weight each row's sentence states; share its section heading states).

        A term is stated when any of its ``alternatives`` (stem sets: the term, its synonyms) is, whole.
        """
        if not terms or rows.size == 0:
            z = np.zeros(rows.size, dtype=np.float32)
            return z, z
        alternatives = list(alternatives) or [(frozenset([t]),) for t, _ in terms]
        stems = sorted({s for alts in alternatives for alt in alts for s in alt})
        column = {s: i for i, s in enumerate(stems)}
        hashes = st.term_hashes(stems)
        weights = np.asarray([w for _, w in terms], dtype=np.float32)
        in_sentence = (self.table.terms[rows][:, :, None] == hashes[None, None, :]).any(axis=1)
        in_heading = np.zeros_like(in_sentence)
        for i, cid in enumerate(self.table.chunk_id[rows]):
            in_heading[i] = np.isin(hashes, self.heading_terms(int(cid)))
        stated = np.zeros((rows.size, len(terms)), dtype=bool)
        headed = np.zeros_like(stated)
        for j, alts in enumerate(alternatives):
            for alt in alts:
                cols = [column[s] for s in alt]
                stated[:, j] |= in_sentence[:, cols].all(axis=1)
                headed[:, j] |= in_heading[:, cols].all(axis=1)
        total = float(weights.sum()) or 1.0
        return (stated @ weights) / total, (headed @ weights) / total

    def same_report_next(self, row: int) -> int | None:
        """The row of the sentence after ``row`` in the same report, when it is in the table."""
        nxt = row + 1
        if nxt >= len(self.table):
            return None
        a, b = self.chunks[int(self.table.chunk_id[row])], self.chunks[int(self.table.chunk_id[nxt])]
        if a.report_id != b.report_id or int(self.table.start[nxt]) < int(self.table.end[row]):
            return None
        return nxt


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved chunk and how well it answers."""

    row: int
    chunk: Chunk
    report: Report
    rank: int  # its chunk's rank among the hits, 1-based
    start: int
    end: int
    dense: float  # cosine of the sentence to the question (provider names left out)
    lexical: float  # weighted share of the question's content terms the sentence states
    heading: float  # share its section heading states
    cues: int
    score: float
    # Cosine of the sentence to the question's content words alone ("infection control", not "What did CQC
    # find about infection control"); None when they are the question (no frame words to leave out).
    content: float | None = None

    @property
    def meaning(self) -> float:
        """How close in meaning the sentence is to what is asked: the lower of its cosines to the question
        and to its content words, so a sentence close only to the question's frame ("CQC had not received
        any feedback" for "What did CQC find about infection control?") does not pass as an answer."""
        return self.dense if self.content is None else min(self.dense, self.content)

    def answerability(self, s: AnswerSettings) -> float:
        """The gate's score: how likely this sentence answers the question."""
        return s.gate_dense * self.meaning + s.gate_lexical * self.lexical + s.gate_heading * self.heading

    @property
    def text(self) -> str:
        """The sentence as the report writes it."""
        return self.report.text[self.start:self.end]

    def features(self) -> tuple[float, float, float, float, float]:
        """(dense, lexical, heading, 1 / chunk rank, meaning): what the score and the gate weigh (for fitting)."""
        return self.dense, self.lexical, self.heading, 1.0 / self.rank, self.meaning


def candidates(index: SentenceIndex, reports: dict[str, Report], hits: Sequence[Hit],
               terms: Sequence[tuple[str, float]], vector: np.ndarray | None, settings: AnswerSettings,
               count: bool = False, alternatives: Sequence[Sequence[frozenset[str]]] = (), frequency: bool = False,
               content_vector: np.ndarray | None = None) -> list[Candidate]:
    """The sentences of the top ``candidate_chunks`` hits, best first (page furniture left out). A ``count``
    question prefers sentences stating a number, a ``frequency`` question those stating how often.
    ``content_vector`` embeds the question's content words alone (see ``Candidate.meaning``)."""
    hits = list(hits)[: settings.candidate_chunks]
    if not hits:
        return []
    ids = [h.chunk.chunk_id for h in hits]
    rows = index.lookup.rows(ids)
    rows = rows[(index.table.cues[rows] & (st.BOILERPLATE | st.LABEL)) == 0]  # a label line answers nothing alone
    rows = _without_header_lines(index, reports, rows)
    if rows.size == 0:
        return []
    rank_of = {cid: r for r, cid in enumerate(ids, start=1)}
    dense = index.similarity(rows, vector)
    content = index.similarity(rows, content_vector) if content_vector is not None else None
    lexical, heading = index.coverage(rows, terms, alternatives)
    ranks = np.asarray([rank_of[int(c)] for c in index.table.chunk_id[rows]], dtype=np.float32)
    if count and frequency:
        number = ((index.table.cues[rows] & st.FREQUENCY) > 0).astype(np.float32)
    elif count:
        number = np.asarray([states_figure(reports[index.chunks[int(index.table.chunk_id[r])].report_id].text[
            int(index.table.start[r]):int(index.table.end[r])], int(index.table.cues[r])) for r in rows], dtype=np.float32)
    else:
        number = 0.0
    score = (settings.w_dense * dense + settings.w_lexical * lexical + settings.w_heading * heading
             + settings.w_rank / ranks + settings.w_number * number)
    out = []
    for i in np.argsort(-score, kind="stable"):
        row = int(rows[i])
        chunk = index.chunks[int(index.table.chunk_id[row])]
        out.append(Candidate(row, chunk, reports[chunk.report_id], int(ranks[i]), int(index.table.start[row]),
                             int(index.table.end[row]), float(dense[i]), float(lexical[i]), float(heading[i]),
                             int(index.table.cues[row]), float(score[i]),
                             None if content is None else float(content[i])))
    return out


# Facts whose stating line can be the page header's identity (breadcrumb, title, alias, address, "Provided and
# run by", the service a report covers): value questions answer from them; as a passage quote such a line
# supports no finding ("Floyd Drive, Warrington, … WA2 8DB" for "Was St Mary's keeping people safe?").
HEADER_FACTS = frozenset({"service_type", "location", "alias", "address", "postcode", "provider", "service", "town"})
_SENTENCE_END = re.compile(r"[.!?][”\"')\]]*\s*$")
_BULLET = re.compile(r"^\s*(?:[-•*]|\d+[.)])\s+")


class Furniture:
    """Which lines of a report are page furniture, judged by the page's structure, never by their wording:

    * the page header (the text before the report's first section: breadcrumb, title, address, "Provided and
      run by", "Report from … assessment"), except a sentence of prose;
    * a contents entry: a line that is the heading of a section of the same report, or a quality statement's
      name, on its own ("- Governance, management and sustainability");
    * a report-list label: a line that is not a sentence, right after a line that is only a date ("27 July
      2022" / "During a routine inspection");
    * a line stating one of the header's identity facts that is not a sentence.
    """

    def __init__(self) -> None:
        self._reports: dict[str, tuple[frozenset[str], set[tuple[int, int]], int]] = {}

    def _of(self, report: Report) -> tuple[frozenset[str], set[tuple[int, int]], int]:
        held = self._reports.get(report.report_id)
        if held is None:
            from assistant.ingest.chunk import header_section
            from assistant.text import normalise

            headings = frozenset(normalise(p) for s in report.sections for p in s.path)
            identity = {(f.start, f.end) for f in report.facts if f.name in HEADER_FACTS}
            header = header_section(report)
            held = self._reports[report.report_id] = (headings, identity, header.end if header else 0)
        return held

    def __call__(self, report: Report, start: int, end: int) -> bool:
        from assistant import vocabulary
        from assistant.text import normalise
        from assistant.vocabulary.dates import dates_in

        text = report.text[start:end]
        if _SENTENCE_END.search(text):
            return False  # prose is never furniture, wherever it stands
        headings, identity, header_end = self._of(report)
        if start < header_end or (start, end) in identity:
            return True
        line = normalise(_BULLET.sub("", text)).rstrip(":")
        if line in headings or vocabulary.statement_kq(line) is not None:
            return True
        before = report.text[:start].rstrip().rsplit("\n", 1)[-1].strip()
        return bool(before) and any(s == 0 and e >= len(before.rstrip(".")) for _, s, e in dates_in(before))


def _without_header_lines(index: SentenceIndex, reports: dict[str, Report], rows: np.ndarray) -> np.ndarray:
    """``rows`` less the page furniture of their report (``Furniture``)."""
    keep = np.ones(rows.size, dtype=bool)
    for i, row in enumerate(rows):
        report = reports[index.chunks[int(index.table.chunk_id[row])].report_id]
        keep[i] = not index.furniture(report, int(index.table.start[row]), int(index.table.end[row]))
    return rows[keep]


def continuation(index: SentenceIndex, report: Report, c: Candidate, limit: int = 2) -> list[tuple[int, int]]:
    """The items a lead-in sentence introduces ("We saw two areas of outstanding practice:"): the
    sentences after it in the same chunk, up to ``limit``; none when ``c`` is not a lead-in."""
    if not report.text[c.start:c.end].rstrip().endswith(":"):
        return []
    out: list[tuple[int, int]] = []
    row: int | None = c.row
    while len(out) < limit:
        assert row is not None  # c.row at first; a None breaks the loop below before it comes round again
        row = index.same_report_next(row)
        if row is None or int(index.table.chunk_id[row]) != c.chunk.chunk_id:
            break
        out.append((int(index.table.start[row]), int(index.table.end[row])))
    return out


def correction(index: SentenceIndex, report: Report, c: Candidate) -> tuple[int, int] | None:
    """The next sentence when it restates ``c``'s figure: it also gives a number for the same thing
    ("35 complaints" … "However, … 71 complaints"), or opens with a contrast and gives a number."""
    if not c.cues & st.NUMBER:
        return None
    nxt = index.same_report_next(c.row)
    if nxt is None or not index.table.cues[nxt] & st.NUMBER:
        return None
    s, e = int(index.table.start[nxt]), int(index.table.end[nxt])
    units = set(stem_all([u.lower() for u in _UNIT.findall(report.text[c.start:c.end])]))
    again = set(stem_all([u.lower() for u in _UNIT.findall(report.text[s:e])]))
    if units & again or index.table.cues[nxt] & st.CONTRAST:
        return s, e
    return None


# A sentence that opens by pointing back at the one before it states what that one led to or means.
_BACK = re.compile(r"^\W*(?:this|these|that|those|as a result|consequently|therefore)\b(?!\s+(?:is|was|were|are)\s+(?:a|an|the)\b)",
                   re.I)


def follow_on(index: SentenceIndex, report: Report, c: Candidate) -> tuple[int, int] | None:
    """The next sentence of the same paragraph when it opens by pointing back at ``c`` ("… the Dorset LeDeR
    programme has undergone a review." "This has enabled the back log of reviews to be cleared."): what
    ``c`` reports is only whole with it."""
    nxt = index.same_report_next(c.row)
    if nxt is None or int(index.table.chunk_id[nxt]) != c.chunk.chunk_id:
        return None
    s, e = int(index.table.start[nxt]), int(index.table.end[nxt])
    if "\n" in report.text[c.end:s] or not _BACK.match(report.text[s:e]):
        return None
    return s, e


_MIN_REPEATED_TERMS = 3  # a sentence of fewer stems ("Safe - Good") is a label, not prose that repeats


def _repeated_rows(table: st.SentenceTable, chunks: dict[int, Chunk], min_reports: int, share: float) -> np.ndarray:
    """One row for each sentence whose stems recur in enough distinct reports (see ``SentenceIndex.repeated``)."""
    if len(table) == 0:
        return np.zeros(0, dtype=np.int64)
    terms = np.sort(table.terms.astype(np.uint64), axis=1)
    # A sentence's identity: its sorted stem hashes, mixed into one 64-bit key (row order does not matter).
    mix = np.random.default_rng(0).integers(1, 2**62, size=terms.shape[1], dtype=np.uint64) | np.uint64(1)
    with np.errstate(over="ignore"):
        key = (terms * mix).sum(axis=1, dtype=np.uint64)
    enough = (table.terms != 0).sum(axis=1) >= _MIN_REPEATED_TERMS
    report_ids = sorted({c.report_id for c in chunks.values()})
    code_of = {rid: i for i, rid in enumerate(report_ids)}
    by_chunk = np.zeros(max(chunks) + 1 if chunks else 1, dtype=np.int64)
    for cid, c in chunks.items():
        by_chunk[cid] = code_of[c.report_id]
    report = by_chunk[table.chunk_id]
    rows = np.flatnonzero(enough)
    pairs = np.unique(np.stack([key[rows], report[rows].astype(np.uint64)], axis=1), axis=0)
    keys, counts = np.unique(pairs[:, 0], return_counts=True)
    needed = max(min_reports, int(np.ceil(share * len(report_ids))))
    common = keys[counts >= needed]
    hit = rows[np.isin(key[rows], common)]
    _, first = np.unique(key[hit], return_index=True)
    return np.sort(hit[first])
