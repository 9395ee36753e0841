"""The tokenizer and parser fingerprint: a change is never mixed in silently.

A glossary edit makes the index refuse to load until `index update` re-tokenises it (from the
stored chunk text, no re-embedding); a parser version change makes `update` refuse (rebuild).
"""

from __future__ import annotations

import numpy as np
import pytest
from _indexing import SpyEmbedder, assert_iridium_scored_50, assistant_for
from click.testing import CliRunner

from assistant.cli import main
from assistant.errors import IndexMismatch
from assistant.indexing.build import build_index, optimize_index, update_index
from assistant.indexing.load import load_index, status
from assistant.indexing.manifest import Fingerprint
from assistant.indexing.segments import terms
from assistant.search import tokens


@pytest.fixture()
def glossary_with_huc(monkeypatch):
    """glossary.tsv as edited by a user who adds "HUC  Herts Urgent Care"."""
    edited = {**tokens.glossary(), "huc": "Herts Urgent Care"}
    before = Fingerprint.current()
    monkeypatch.setattr(tokens, "glossary", lambda: edited)
    assert Fingerprint.current().tokenizer != before.tokenizer and Fingerprint.current().parser == before.parser
    return edited


def test_fingerprint_is_stable_and_covers_the_tokenizer_inputs(monkeypatch):
    assert Fingerprint.current() == Fingerprint.current()
    base = Fingerprint.current().tokenizer
    monkeypatch.setattr(tokens, "STOP_WORDS", tokens.STOP_WORDS - {"about"})
    assert Fingerprint.current().tokenizer != base
    monkeypatch.undo()
    monkeypatch.setattr(tokens, "TOKENIZER_VERSION", tokens.TOKENIZER_VERSION + 1)
    assert Fingerprint.current().tokenizer != base


def test_a_glossary_edit_is_retokenised_by_update_not_mixed(two, embedder, glossary_with_huc):
    corpus, index = two
    with pytest.raises(IndexMismatch, match="tokenised with other rules.*run `assistant index update`"):
        load_index(index, embedder.name)
    info = status(index)
    assert not info["healthy"] and any("the tokenizer changed" in p for p in info["problems"])
    result = CliRunner().invoke(main, ["ask", "What was Iridium's well-led score?", "--index", str(index)])
    assert result.exit_code == 1 and "re-tokenise" in result.stderr and len(result.stderr.splitlines()) == 1

    spy = SpyEmbedder(embedder)
    summary = update_index(corpus, index, spy)
    assert summary.published and summary.chunks_embedded == 0 and summary.retokenised == 19
    assert not [t for t in spy.texts if " | " in t.split("\n")[0]]  # no chunk was re-embedded
    assert any("re-tokenised 19 chunks" in line for line in summary.lines())

    data = load_index(index, embedder.name)
    assert data.manifest.fingerprint == Fingerprint.current() and status(index)["notes"] == []
    # BM25 now counts the new expansion on the passage side, exactly as a fresh count would.
    from rank_bm25 import BM25Okapi

    query = tokens.tokenize("herts")
    reference = BM25Okapi(terms(data.chunks)).get_scores(query)
    assert np.allclose(data.bm25.scores(query), reference, atol=1e-9)
    hits = [data.chunks[r] for r in np.flatnonzero(data.bm25.scores(query) > 0)]
    assert hits and all("HUC" in c.text or "HUC" in c.section[0] or "HUC" in c.provider for c in hits)
    assert_iridium_scored_50(assistant_for(index, embedder))


def test_optimize_also_retokenises(two, embedder, glossary_with_huc):
    _, index = two
    summary = optimize_index(index, embedder)
    assert summary.retokenised == 19 and summary.published
    assert load_index(index, embedder.name).manifest.fingerprint == Fingerprint.current()


def test_a_parser_change_makes_update_refuse_until_a_build(two, embedder, monkeypatch):
    import assistant.ingest

    corpus, index = two
    monkeypatch.setattr(assistant.ingest, "PARSER_VERSION", assistant.ingest.PARSER_VERSION + 1)
    assert_iridium_scored_50(assistant_for(index, embedder))  # searching the stored reports is still sound
    info = status(index)
    assert not info["healthy"] and any("the parser changed" in p for p in info["problems"])
    with pytest.raises(IndexMismatch, match="parsed by another parser version.*rebuild with `assistant index build`"):
        update_index(corpus, index, embedder)
    result = CliRunner().invoke(main, ["index", "update", "--corpus", str(corpus), "--index", str(index)])
    assert result.exit_code == 1 and "rebuild with `assistant index build`" in result.stderr
    build_index(corpus, index, embedder)
    assert status(index)["healthy"] and load_index(index).manifest.fingerprint == Fingerprint.current()
