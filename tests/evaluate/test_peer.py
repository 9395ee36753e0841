"""The retrieval peer: txtai's default hybrid over the same chunk texts, asked the same questions."""

import pytest

from assistant.evaluate import dataset, peer
from conftest import ROOT


def test_first_rank_counts_the_first_text_with_evidence():
    assert peer.first_rank(["a", "b has the words", "c"], ["the words"]) == 2
    assert peer.first_rank(["a", "b"], ["missing"]) == 0


@pytest.mark.slow
def test_both_systems_are_asked_every_question_with_evidence(assistant):
    pytest.importorskip("txtai")  # here, not at import: importing txtai takes seconds, even to collect
    questions = dataset.load(ROOT / "eval" / "questions.jsonl", "dev")
    txtai = peer.TxtaiPeer(assistant.data, assistant.retriever.embedder.model_dir)
    result = peer.compare(assistant, questions, k=5, peer=txtai)
    assert len(result.rows) == sum(1 for q in questions if q.answerable and q.expected_evidence)
    s = result.summary()
    assert 0.0 <= s["peer_hit@k"] <= 1.0 and 0.0 <= s["peer_mrr"] <= s["peer_hit@k"] + 1e-9
    # Our rank is what Retriever.search gives in the assistant's scope.
    row = next(r for r in result.rows if r.id == "value-01")
    assert row.ours == 1
    # txtai ranks within the same scope: only Iridium's chunks for a question naming Iridium.
    ids = txtai.search("well-led score", {c.chunk_id for c in assistant.data.chunks
                                          if c.provider == "Iridium Medical Practice"}, 10)
    assert ids and all(assistant.data.chunk(i).provider == "Iridium Medical Practice" for i in ids)
    assert "txtai default hybrid" in peer.markdown(result, "seeds, dev")
    assert 0 < row.answer <= 5  # the answer's own retrieval finds it too
