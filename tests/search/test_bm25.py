"""Our sparse BM25 must score exactly as rank_bm25.BM25Okapi on the same tokens."""

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.search.bm25 import BM25, TermCounts
from assistant.search.tokens import tokenize

QUERIES = [
    "FTSU awareness",
    "freedom to speak up guardian",
    "staff staff governance",  # repeated query terms count twice, as in rank_bm25
    "complaints 71 December",
    "the of and",  # only stop words: no terms
    "zzzunknownterm",
]


@pytest.fixture(scope="module")
def docs():
    from pathlib import Path

    lines = []
    for f in sorted((Path(__file__).resolve().parents[2] / "corpus").glob("*.txt")):
        lines += [tokenize(line) for line in f.read_text(encoding="utf-8").splitlines()]
    return [d for d in lines if d]


@pytest.mark.parametrize("query", QUERIES)
def test_scores_equal_rank_bm25(docs, query):
    oracle = BM25Okapi(docs)
    ours = BM25(TermCounts.from_tokens(docs))
    tokens = tokenize(query)
    np.testing.assert_allclose(ours.scores(tokens), oracle.get_scores(tokens), rtol=1e-9, atol=1e-9)


def test_negative_idf_floor_matches_rank_bm25():
    # "care" is in 3 of 4 documents: its raw idf is negative and rank_bm25 floors it to eps * mean idf.
    docs = [["care", "home"], ["care", "staff"], ["care", "guardian"], ["audit"]]
    oracle = BM25Okapi(docs)
    ours = BM25(TermCounts.from_tokens(docs))
    assert oracle.idf["care"] > 0 and ours.idf[ours.term_index["care"]] == pytest.approx(oracle.idf["care"])
    np.testing.assert_allclose(ours.scores(["care", "audit"]), oracle.get_scores(["care", "audit"]))


def test_extend_and_select_equal_a_fresh_build(docs):
    half = len(docs) // 2
    grown = TermCounts.from_tokens(docs[:half]).extend(docs[half:])
    oracle = BM25Okapi(docs)
    np.testing.assert_allclose(BM25(grown).scores(tokenize("speak up")), oracle.get_scores(tokenize("speak up")))
    kept = np.arange(0, len(docs), 2)
    subset = [docs[i] for i in kept]
    np.testing.assert_allclose(
        BM25(grown.select(kept)).scores(tokenize("governance")), BM25Okapi(subset).get_scores(tokenize("governance"))
    )


def test_top_returns_best_first_and_respects_mask(docs):
    bm = BM25(TermCounts.from_tokens(docs))
    q = tokenize("freedom to speak up guardian")
    rows, scores = bm.top(q, 5)
    full = bm.scores(q)
    assert list(scores) == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(full.max())
    mask = np.zeros(len(docs), dtype=bool)
    mask[rows[1:]] = True
    masked_rows, _ = bm.top(q, 5, mask)
    assert rows[0] not in masked_rows


def test_glossary_expands_abbreviations_both_ways():
    assert {"freedom", "speak", "up"} <= set(tokenize("FTSU"))
    assert set(tokenize("KPIs")) >= {"key", "perform", "indic"}
