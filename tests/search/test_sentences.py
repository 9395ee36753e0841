"""The per-sentence table: offsets, vectors, hashed terms and cues, kept whole through save, concat and keep."""

import numpy as np
import pytest

from assistant.search import sentences as st
from assistant.search.sentences import SentenceLookup, SentenceTable


@pytest.fixture(scope="module")
def table(data, real_embedder):
    return SentenceTable.build(data.reports, data.chunks, real_embedder.encode)


def test_rows_are_sentences_of_their_chunk(table, data):
    assert len(table) > len(data.chunks)
    for row in (0, len(table) // 2, len(table) - 1):
        chunk = data.chunk(int(table.chunk_id[row]))
        assert chunk.start <= table.start[row] < table.end[row] <= chunk.end
    assert table.vector.dtype == np.float16 and table.vector.shape == (len(table), 384) and table.has_vectors
    norms = np.linalg.norm(table.vector.astype(np.float32), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-2)


def test_terms_and_cues_describe_the_sentence(table, data):
    report = data.reports["iridium-medical-practice-2025-01-13"]
    start = report.text.index("However, information sent to us after the site visit showed there had been 71 complaints.")
    row = int(np.flatnonzero(table.start == start)[0])
    assert table.cues[row] & st.NUMBER and table.cues[row] & st.CONTRAST
    assert st.term_hash("complaint") in table.terms[row]
    denied = report.text.index("Governance systems and processes required improvement.")
    assert not table.cues[int(np.flatnonzero(table.start == denied)[0])] & st.NEGATION
    assert st.cues_of("Staff did not know who the guardian was.") & st.NEGATION
    assert not st.cues_of("Staff raised concerns without fear of retribution.") & st.NEGATION
    assert st.cues_of("Not all staff had received appraisals.") & st.PARTIAL
    assert st.cues_of("The group meets monthly.") & st.FREQUENCY
    assert st.cues_of("Find out what we look at when we assess this area.") & st.BOILERPLATE
    assert st.cues_of("For more details, go to www.ourdorset.nhs.uk/") & st.BOILERPLATE
    assert st.cues_of("Score: 1") & st.LABEL


def test_save_load_concat_keep_and_empty_keep_every_column(table, tmp_path):
    table.save(tmp_path)
    loaded = SentenceTable.load(tmp_path)
    assert all(np.array_equal(getattr(loaded, f), getattr(table, f)) for f in ("chunk_id", "start", "vector", "terms"))
    half = len(table) // 2
    parts = [table.take(np.arange(half)), SentenceTable.empty(), table.take(np.arange(half, len(table)))]
    joined = SentenceTable.concat(parts)
    assert np.array_equal(joined.vector, table.vector) and np.array_equal(joined.cues, table.cues)
    kept = table.keep(np.unique(table.chunk_id)[:2])
    assert set(np.unique(kept.chunk_id)) == set(np.unique(table.chunk_id)[:2])
    assert kept.vector.shape[0] == kept.terms.shape[0] == len(kept)
    assert len(SentenceTable.concat([])) == 0


def test_without_a_model_the_table_has_no_vectors(data):
    bare = SentenceTable.build(data.reports, data.chunks[:3])
    assert not bare.has_vectors and bare.vector.shape == (len(bare), 0)


def test_lookup_finds_a_chunks_sentences_in_text_order(table):
    lookup = SentenceLookup(table)
    cid = int(table.chunk_id[len(table) // 2])
    rows = lookup.rows([cid])
    assert (table.chunk_id[rows] == cid).all() and list(table.start[rows]) == sorted(table.start[rows])
    assert np.array_equal(np.sort(lookup.rows_in(np.asarray([cid]))), np.sort(rows))
