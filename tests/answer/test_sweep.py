"""The set scan's array work selects exactly the rows a loop over the chunks would, on the real seed index."""

import numpy as np

from assistant.answer import sweep
from assistant.answer.findings import topic_from


def test_columns_map_rows_to_chunks_reports_and_sentences(assistant, data):
    cols = sweep.columns(assistant.sentences)
    assert cols is sweep.columns(assistant.sentences)  # made once per loaded index
    assert cols.chunk_id.tolist() == [c.chunk_id for c in data.chunks]
    assert [cols.report_ids[code] for code in cols.report] == [c.report_id for c in data.chunks]
    table = assistant.sentences.table
    assert [data.chunks[r].chunk_id for r in cols.sentence_row] == table.chunk_id.tolist()


def test_best_rows_per_report_and_their_sentences_match_a_loop(assistant, data):
    cols = sweep.columns(assistant.sentences)
    topic = topic_from("lacked FTSU awareness")
    scores = assistant.retriever.lexical.scores(topic.query_terms())
    best = sweep.best_per_report(cols, scores, 2)
    # The loop: each report's rows scoring above 0, best first (ties: the earlier row), two of them.
    expected = set()
    for rid in {c.report_id for c in data.chunks}:
        rows = [r for r, c in enumerate(data.chunks) if c.report_id == rid and scores[r] > 0]
        expected |= set(sorted(rows, key=lambda r: (-scores[r], r))[:2])
    assert set(best.tolist()) == expected and expected
    # Sentences of those chunks, only for the reports in scope: one report out of scope drops its sentences.
    out = data.chunks[int(best[0])].report_id
    in_scope = cols.report_mask(r for r in data.reports if r != out)
    assert not in_scope[cols.code_of[out]] and in_scope.sum() == len(data.reports) - 1
    rows = sweep.sentence_rows(cols, best, in_scope)
    chosen = {data.chunks[r].chunk_id for r in best.tolist() if data.chunks[r].report_id != out}
    assert rows.tolist() == np.flatnonzero(np.isin(assistant.sentences.table.chunk_id, list(chosen))).tolist()
    assert rows.size and all(data.chunk(int(c)).report_id != out for c in assistant.sentences.table.chunk_id[rows])
