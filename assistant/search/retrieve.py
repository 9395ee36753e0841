"""Hybrid retrieval: BM25 and dense candidates, fused by chunk id.

Fusion is by chunk id, never by text: CQC boilerplate ("Find out what we look at
when we assess this area") repeats word for word across providers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.config import RetrievalSettings
from assistant.search.index_data import IndexData
from assistant.models import Filters, Hit
from assistant.search import bm25 as bm25_module
from assistant.search.catalog import Catalog, section_matches
from assistant.search.embed.protocol import TextEmbedder
from assistant.search.tokens import tokenize
from assistant.search.vectors import IdFilter

MODES = ("hybrid", "bm25", "dense")
FUSIONS = ("rrf", "convex")
IDFS = ("lucene", "okapi")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


class LuceneBM25(bm25_module.BM25):
    """BM25 with Lucene's idf, ln(1 + (N - n + 0.5) / (n + 0.5)), which is never negative.

    rank_bm25's Okapi idf goes negative for a term in more than half the chunks and is then floored
    at a fraction of the mean idf, so in a small or one-provider corpus a common but relevant term
    ("staff", "complaints") can weigh more than a rarer one. Lucene and txtai score this way.
    """

    @staticmethod
    def _idf(counts: bm25_module.TermCounts, epsilon: float) -> np.ndarray:
        n = counts.tf.shape[0]
        df = np.bincount(counts.tf.indices, minlength=len(counts.vocab)).astype(np.float64)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        idf[df == 0] = 0.0  # terms whose chunks were all removed do not exist
        return idf


def lexical_index(data: IndexData, settings: RetrievalSettings) -> bm25_module.BM25:
    """The BM25 scorer ``settings`` ask for over the index's term counts (the loaded one when it matches)."""
    if settings.bm25_idf not in IDFS:
        raise ValueError(f"unknown BM25 idf '{settings.bm25_idf}' (choose from {', '.join(IDFS)})")
    if settings.bm25_idf == "okapi" and (settings.bm25_k1, settings.bm25_b) == (bm25_module.K1, bm25_module.B):
        return data.bm25
    cls = LuceneBM25 if settings.bm25_idf == "lucene" else bm25_module.BM25
    return cls(data.counts, k1=settings.bm25_k1, b=settings.bm25_b)


def fuse_rrf(ranked: Mapping[str, Sequence[int]], weights: Mapping[str, float], k: int = 60) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion (Cormack et al., 2009): sum of w_m / (k + rank_m).

    ``ranked`` maps a method to chunk ids, best first. Ties keep first-seen order.
    """
    scores: dict[int, float] = {}
    for method, ids in ranked.items():
        w = weights.get(method, 1.0)
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def fuse_convex(scored: Mapping[str, Sequence[tuple[int, float]]], weights: Mapping[str, float]) -> list[tuple[int, float]]:
    """Convex combination of min-max normalised scores; a missing candidate scores 0 for that method."""
    total = sum(weights.get(m, 1.0) for m in scored) or 1.0
    scores: dict[int, float] = {}
    for method, pairs in scored.items():
        if not pairs:
            continue
        vals = np.asarray([s for _, s in pairs], dtype=np.float64)
        lo, hi = vals.min(), vals.max()
        norm = (vals - lo) / (hi - lo) if hi > lo else np.ones_like(vals)
        w = weights.get(method, 1.0) / total
        for (cid, _), v in zip(pairs, norm):
            scores[cid] = scores.get(cid, 0.0) + w * float(v)
    return sorted(scores.items(), key=lambda kv: -kv[1])


@dataclass
class Retriever:
    """Searches one loaded index with one embedder."""

    data: IndexData
    embedder: TextEmbedder
    settings: RetrievalSettings = RetrievalSettings()

    def __post_init__(self) -> None:
        self.catalog = Catalog(self.data.reports)
        self.lexical = lexical_index(self.data, self.settings)
        self._report_rows: dict[str, np.ndarray] = {}
        rows_by_report: dict[str, list[int]] = {}
        for row, c in enumerate(self.data.chunks):
            rows_by_report.setdefault(c.report_id, []).append(row)
        self._report_rows = {k: np.asarray(v, dtype=np.int64) for k, v in rows_by_report.items()}
        self._chunk_ids = np.fromiter((c.chunk_id for c in self.data.chunks), dtype=np.int64,
                                      count=len(self.data.chunks))
        # The index never changes under a Retriever, so a filter's mask (and vector allow-list) is
        # computed once: at 100k chunks building them took ~55 ms a query (bench/RESULTS.md).
        self._masks: dict[Filters, np.ndarray] = {}
        self._selectors: dict[bytes, IdFilter] = {}

    # -- filtering ---------------------------------------------------------------------------

    def report_rows(self, report_id: str) -> np.ndarray:
        """The chunk rows of one report, in index order."""
        return self._report_rows.get(report_id, np.zeros(0, dtype=np.int64))

    def allowed_rows(self, filters: Filters) -> np.ndarray:
        """A boolean mask over chunk rows for ``filters`` (read-only: it is shared between queries)."""
        cached = self._masks.get(filters)
        if cached is None:
            if len(self._masks) >= 64:
                self._masks.clear()
            cached = self._masks[filters] = self._mask(filters)
            cached.flags.writeable = False
        return cached

    def _mask(self, filters: Filters) -> np.ndarray:
        mask = np.zeros(len(self.data.chunks), dtype=bool)
        for report in self.catalog.select(filters):
            rows = self._report_rows.get(report.report_id)
            if rows is not None:
                mask[rows] = True
        if filters.sections:
            for row in np.flatnonzero(mask):
                if not section_matches(self.data.chunks[row].section, filters.sections):
                    mask[row] = False
        return mask

    def scope(self, filters: Filters, query: str) -> Filters:
        """``filters`` widened to the named providers' earlier reports when ``query`` names a year before
        the latest report of one of them ("What was Meon Health Practice rated in 2019?"): by default only
        each provider's latest report is searched, and that report cannot hold an earlier inspection's findings.
        Filters that already choose reports (all of them, or by date) are kept as they are."""
        if not (self.settings.history_by_year and filters.providers) or filters.all_reports \
                or filters.since or filters.until:
            return filters
        years = {int(y) for y in _YEAR.findall(query)}
        if not years:
            return filters
        for report in self.catalog.select(filters):
            if report.date and len(self.catalog.history(report.provider)) > 1 and min(years) < int(report.date[:4]):
                return replace(filters, all_reports=True)
        return filters

    # -- the two methods -----------------------------------------------------------------

    def bm25(self, query: str, mask: np.ndarray, depth: int) -> list[tuple[int, float]]:
        """The best ``depth`` chunks under ``mask`` by BM25, as (chunk id, score).

        In a scoped search, terms found in every chunk of the scope are left out of the query: they
        cannot tell the scope's chunks apart, and BM25's length normalisation would turn them into a
        bonus for short chunks. These are mostly the provider's own name, which every chunk's header
        states ("Access Dignity Care Limited | Safe > Overview"), so "What was Access Dignity Care's
        safe score?" ranks by "safe" and "score" alone.
        """
        terms = tokenize(query)
        if self.settings.drop_scope_terms and not mask.all():
            terms = self._discriminating(terms, mask)
        rows, scores = self.lexical.top(terms, depth, mask)
        return [(self.data.chunks[r].chunk_id, float(s)) for r, s in zip(rows, scores)]

    def _discriminating(self, terms: list[str], mask: np.ndarray) -> list[str]:
        """``terms`` without those present in every chunk under ``mask`` (all of them if every term is)."""
        in_scope = int(mask.sum())
        if in_scope < 2:
            return terms
        weights = self.lexical.weights
        index = self.lexical.term_index
        everywhere = set()
        for t in set(terms):
            col = index.get(t)
            if col is None:
                continue
            # The term's postings (one sparse column): the cost of scoring it, nothing proportional to the corpus.
            rows = weights.indices[weights.indptr[col]:weights.indptr[col + 1]]
            if int(mask[rows].sum()) >= in_scope:
                everywhere.add(t)
        kept = [t for t in terms if t not in everywhere]
        return kept or terms

    def dense(self, query: str, mask: np.ndarray, depth: int, vector: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The best ``depth`` chunks under ``mask`` by cosine to the query (or to ``vector``), as (chunk id, score)."""
        if not mask.any():
            return []
        q = (self.embedder.encode_query(query) if vector is None else vector).astype(np.float32)
        allowed = None if mask.all() else self._allowed(mask)
        return self.data.vectors.search(q, min(depth, int(mask.sum())), allowed)

    def _allowed(self, mask: np.ndarray) -> IdFilter:
        """The chunk ids under ``mask`` as a search allow-list, cached by the mask's bytes."""
        key = np.packbits(mask).tobytes()
        allowed = self._selectors.get(key)
        if allowed is None:
            if len(self._selectors) >= 64:
                self._selectors.clear()
            space = int(self._chunk_ids.max()) + 1 if self._chunk_ids.size else 1
            allowed = self._selectors[key] = IdFilter(self._chunk_ids[mask], space)
        return allowed

    # -- fused ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        filters: Filters = Filters(),
        mode: str | None = None,
        k: int | None = None,
        depth: int | None = None,
        vector: np.ndarray | None = None,
        lexical: str | None = None,
    ) -> list[Hit]:
        """The best ``k`` chunks for ``query`` within ``filters``, fused across methods.

        ``vector`` is the query's embedding when the caller has it already (the answer stage embeds each
        question once); ``lexical`` replaces the text BM25 searches (the question without its frame words).
        """
        s = self.settings
        mode = mode or s.mode
        if mode not in MODES:
            raise ValueError(f"unknown mode '{mode}' (choose from {', '.join(MODES)})")
        k = k or s.k
        depth = max(depth or s.depth, k)
        mask = self.allowed_rows(self.scope(filters, f"{query} {lexical or ''}"))
        lists: dict[str, list[tuple[int, float]]] = {}
        if mode in ("hybrid", "bm25"):
            lists["bm25"] = self.bm25(lexical or query, mask, depth)
        if mode in ("hybrid", "dense"):
            lists["dense"] = self.dense(query, mask, depth, vector)
        if mode == "hybrid":
            if s.fusion == "convex":
                fused = fuse_convex(lists, s.weights)
            else:
                fused = fuse_rrf({m: [cid for cid, _ in v] for m, v in lists.items()}, s.weights, s.rrf_k)
        else:
            fused = lists[mode]
        ranks = {m: {cid: r for r, (cid, _) in enumerate(v, start=1)} for m, v in lists.items()}
        raw = {m: dict(v) for m, v in lists.items()}
        return [
            Hit(
                chunk=self.data.chunk(cid),
                score=score,
                ranks={m: ranks[m][cid] for m in lists if cid in ranks[m]},
                scores={m: raw[m][cid] for m in lists if cid in raw[m]},
            )
            for cid, score in fused[:k]
        ]
