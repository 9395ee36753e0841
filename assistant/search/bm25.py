"""Okapi BM25 over a sparse matrix, scoring exactly as ``rank_bm25.BM25Okapi`` does.

rank_bm25 loops over every document in Python for each query term (about 300 ms
a query at 100k chunks). Here the per-(document, term) weights are precomputed
into a CSC matrix, so a query is a sum of a few sparse columns.

Formula (rank_bm25 0.2.2, BM25Okapi):
    idf(t)   = ln(N - n_t + 0.5) - ln(n_t + 0.5), and where that is negative,
               epsilon * mean(idf over the vocabulary)
    score(d) = sum over query tokens q (repeats count) of
               idf(q) * tf(q,d) * (k1 + 1) / (tf(q,d) + k1 * (1 - b + b * |d| / avgdl))
"""

from __future__ import annotations

import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

K1 = 1.5
B = 0.75
EPSILON = 0.25


@dataclass
class TermCounts:
    """Raw term frequencies: rows are documents, columns are ``vocab`` terms.

    This is what the index stores; weights are derived from it on load, so an
    update can drop and append rows without re-tokenising the corpus.
    """

    vocab: list[str]
    tf: sparse.csr_matrix  # int32 counts, shape (n_docs, len(vocab))
    doc_len: np.ndarray  # tokens per document (repeats count), as rank_bm25's len(doc)

    @classmethod
    def from_tokens(cls, docs: list[list[str]], vocab: list[str] | None = None) -> TermCounts:
        """Count terms; new terms are appended to ``vocab`` (which is copied)."""
        vocab = list(vocab or [])
        index = {t: i for i, t in enumerate(vocab)}
        rows, cols, vals = [], [], []
        for r, doc in enumerate(docs):
            for term, count in Counter(doc).items():
                col = index.get(term)
                if col is None:
                    col = index[term] = len(vocab)
                    vocab.append(term)
                rows.append(r)
                cols.append(col)
                vals.append(count)
        tf = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.int32), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(len(docs), len(vocab)),
        )
        doc_len = np.asarray([len(d) for d in docs], dtype=np.float64)
        return cls(vocab, tf, doc_len)

    def select(self, rows: np.ndarray) -> TermCounts:
        """Keep only these document rows, in this order."""
        return TermCounts(self.vocab, self.tf[rows], self.doc_len[rows])

    def extend(self, docs: list[list[str]]) -> TermCounts:
        """Append documents, growing the vocabulary as needed."""
        new = TermCounts.from_tokens(docs, self.vocab)
        old_tf = sparse.csr_matrix((self.tf.data, self.tf.indices, self.tf.indptr),
                                   shape=(self.tf.shape[0], len(new.vocab)))
        tf = sparse.csr_matrix(sparse.vstack([old_tf, new.tf], format="csr"))
        return TermCounts(new.vocab, tf, np.concatenate([self.doc_len, new.doc_len]))

    @classmethod
    def concat(cls, parts: list[TermCounts]) -> TermCounts:
        """The rows of ``parts`` in order, over the union of their vocabularies.

        Each part's columns are renumbered into the joint vocabulary (terms in order of first
        appearance), so BM25 over the result scores exactly as over documents counted together.
        """
        vocab: list[str] = []
        index: dict[str, int] = {}
        blocks = []
        for part in parts:
            remap = np.empty(len(part.vocab), dtype=np.int64)
            for i, term in enumerate(part.vocab):
                col = index.get(term)
                if col is None:
                    col = index[term] = len(vocab)
                    vocab.append(term)
                remap[i] = col
            tf = part.tf.tocsr()
            blocks.append((tf.data, remap[tf.indices], tf.indptr, tf.shape[0]))
        tfs = [sparse.csr_matrix((data, cols, indptr), shape=(rows, len(vocab))) for data, cols, indptr, rows in blocks]
        tf = sparse.csr_matrix(sparse.vstack(tfs, format="csr")) if tfs else sparse.csr_matrix(np.zeros((0, 0), np.int32))
        doc_len = np.concatenate([p.doc_len for p in parts]) if parts else np.zeros(0)
        return cls(vocab, tf.astype(np.int32), doc_len)

    FILES = ("bm25_tf.npz", "bm25_doclen.npy", "bm25_vocab.json")  # what ``save`` writes, in from_bytes order

    def save(self, folder: Path) -> None:
        # Uncompressed: loading is on the query path, and zlib costs more time than the bytes saved.
        tf, doc_len, vocab = (folder / name for name in self.FILES)
        sparse.save_npz(tf, self.tf, compressed=False)
        np.save(doc_len, self.doc_len)
        vocab.write_text(json.dumps(self.vocab), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> TermCounts:
        """Read what ``save`` wrote (unchecked: the index reads verified bytes through ``from_bytes``)."""
        return cls.from_bytes(*((folder / name).read_bytes() for name in cls.FILES))

    @classmethod
    def from_bytes(cls, tf: bytes, doc_len: bytes, vocab: bytes) -> TermCounts:
        """Counts from the bytes of the three files ``save`` writes. Raises ValueError when they do not
        fit together (a vocabulary that is not one term per matrix column, a length per row)."""
        matrix = sparse.csr_matrix(sparse.load_npz(io.BytesIO(tf)))
        lengths = np.load(io.BytesIO(doc_len), allow_pickle=False)
        terms = json.loads(vocab.decode("utf-8"))
        counts = cls(terms, matrix, lengths)
        counts.check()
        return counts

    def check(self) -> None:
        """Raise ValueError unless the parts agree: one vocabulary term per column (distinct strings), one
        length per row equal to the row's term count, counts that are positive whole numbers."""
        tf, vocab = self.tf, self.vocab
        if not isinstance(vocab, list) or not all(isinstance(t, str) for t in vocab):
            raise ValueError("the BM25 vocabulary is not a list of terms")
        if len(vocab) != tf.shape[1]:
            raise ValueError(f"the BM25 vocabulary has {len(vocab)} terms for {tf.shape[1]} matrix columns")
        if len(set(vocab)) != len(vocab):
            raise ValueError("the BM25 vocabulary lists a term twice")
        if not np.issubdtype(tf.dtype, np.integer) or (tf.data.size and tf.data.min() <= 0):
            raise ValueError("the BM25 matrix holds a count that is not a positive whole number")
        tf.check_format(full_check=True)
        if self.doc_len.shape != (tf.shape[0],):
            raise ValueError(f"{self.doc_len.size} BM25 document lengths for {tf.shape[0]} rows")
        if not np.array_equal(np.asarray(tf.sum(axis=1)).ravel(), self.doc_len):
            raise ValueError("BM25 document lengths differ from the term counts of their rows")


class BM25:
    """Scores documents for a tokenised query."""

    def __init__(self, counts: TermCounts, k1: float = K1, b: float = B, epsilon: float = EPSILON):
        self.counts = counts
        self.term_index = {t: i for i, t in enumerate(counts.vocab)}
        self.n_docs = counts.tf.shape[0]
        self.idf = self._idf(counts, epsilon)
        self.weights = self._weights(counts, self.idf, k1, b)

    @staticmethod
    def _idf(counts: TermCounts, epsilon: float) -> np.ndarray:
        n = counts.tf.shape[0]
        df = np.bincount(counts.tf.indices, minlength=len(counts.vocab)).astype(np.float64)
        idf = np.log(n - df + 0.5) - np.log(df + 0.5)
        present = df > 0  # terms whose documents were all removed do not exist for rank_bm25
        if present.any():
            eps = epsilon * idf[present].mean()
            idf[present & (idf < 0)] = eps
        idf[~present] = 0.0
        return idf

    @staticmethod
    def _weights(counts: TermCounts, idf: np.ndarray, k1: float, b: float) -> sparse.csc_matrix:
        tf = counts.tf.tocoo()
        n = counts.tf.shape[0]
        avgdl = counts.doc_len.sum() / n if n else 1.0
        avgdl = avgdl or 1.0
        f = tf.data.astype(np.float64)
        dl = counts.doc_len[tf.row]
        w = idf[tf.col] * f * (k1 + 1) / (f + k1 * (1 - b + b * dl / avgdl))
        return sparse.csc_matrix((w, (tf.row, tf.col)), shape=tf.shape)

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document; equal to rank_bm25's get_scores on the same tokens."""
        cols = Counter(self.term_index[t] for t in query if t in self.term_index)
        if not cols or self.n_docs == 0:
            return np.zeros(self.n_docs)
        idx = np.fromiter(cols.keys(), dtype=np.int64)
        mult = np.fromiter(cols.values(), dtype=np.float64)
        return np.asarray(self.weights[:, idx] @ mult).ravel()

    def top(self, query: list[str], k: int, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows and scores of the best ``k`` documents with a positive score, best first."""
        s = self.scores(query)
        if mask is not None:
            s = np.where(mask, s, 0.0)
        candidates = np.flatnonzero(s > 0)
        if candidates.size > k:
            part = np.argpartition(-s[candidates], k - 1)[:k]
            candidates = candidates[part]
        order = np.lexsort((candidates, -s[candidates]))  # ties: lower row first, for stable output
        rows = candidates[order]
        return rows, s[rows]
