"""Fitting the sentence score and the answerability gate on dev questions."""

import numpy as np
import pytest

from assistant.evaluate import answerability as fitting
from assistant.evaluate import dataset
from conftest import ROOT


def _sample(i, answerable, dense, lexical, relevant_first=True):
    features = np.asarray([[dense, lexical, 0.0, 1.0], [dense - 0.2, 0.0, 0.0, 0.5]])
    relevant = np.asarray([relevant_first, not relevant_first]) if answerable else np.zeros(2, dtype=bool)
    return fitting.Sample(f"q{i}", answerable, features, relevant, answerable)


def test_fit_separates_answerable_from_unanswerable():
    samples = [_sample(i, True, 0.5 + 0.02 * i, 0.8) for i in range(10)]
    samples += [_sample(10 + i, False, 0.3 + 0.02 * i, 0.1) for i in range(5)]
    settings, record = fitting.fit(samples)
    chosen = record["chosen"]
    assert chosen["declined_unanswerable"] == 1.0 and chosen["false_abstention"] == 0.0
    assert record["meets_targets"]
    # The threshold lies between the best unanswerable and the worst answerable score.
    g = {k: getattr(settings, k) for k in fitting.GATE_GRID}
    tops = [fitting._gate(s.features[:1], g)[0] for s in samples]
    worst_yes = min(t for t, s in zip(tops, samples) if s.answerable)
    best_no = max(t for t, s in zip(tops, samples) if not s.answerable)
    assert best_no < settings.gate_threshold < worst_yes
    # The curve runs from answering everything to declining everything.
    assert record["curve"][0]["false_abstention"] == 0.0 and record["curve"][-1]["false_abstention"] == 1.0
    assert "← chosen" in fitting.markdown(record)


def test_score_weights_put_evidence_first():
    # Evidence is the sentence with the words, not the one merely closer in meaning.
    samples = [fitting.Sample(f"q{i}", True, np.asarray([[0.6, 0.0, 0.0, 1.0], [0.5, 1.0, 0.0, 1.0]]),
                              np.asarray([False, True]), True) for i in range(4)]
    weights, stats = fitting.fit_score(samples)
    assert weights["w_lexical"] > 0.1 and stats["mrr"] == 1.0


@pytest.mark.slow
def test_collect_reads_passage_questions_of_the_dev_split(assistant):
    questions = [q for q in dataset.load(ROOT / "eval" / "questions.jsonl", "dev") if q.corpus == "seeds"]
    samples = fitting.collect(assistant, questions)
    ids = {s.id for s in samples}
    assert "para-03" in ids and "value-01" not in ids and "set-01" not in ids  # the gate is for passages
    para = next(s for s in samples if s.id == "para-03")
    assert para.relevant.any() and para.features.shape[1] == 5
    assert any(not s.answerable for s in samples)


def test_the_threshold_weighs_rates_of_the_whole_question_set():
    # 10 answerable and 2 unanswerable passage questions; the unanswerable one at 0.6 would cost 4 false
    # abstentions to decline.
    samples = [_sample(i, True, 0.5 + 0.05 * i, 0.0) for i in range(10)]
    samples += [_sample(10, False, 0.1, 0.0), _sample(11, False, 0.6, 0.0)]
    _, alone = fitting.fit(samples)
    # Among the passage questions alone, declining it is worth it (1/2 declined against 4/10 answerable) ...
    assert alone["chosen"]["declined_unanswerable"] == 1.0
    # ... but of a set with 20 unanswerable and 20 answerable questions it is 1/20 against 4/20.
    settings, whole = fitting.fit(samples, population=(20, 20))
    assert whole["chosen"]["declined_unanswerable"] == 0.5 and whole["chosen"]["false_abstention"] == 0.0
    # Answers between the two points are given, saying they answer only nearly.
    assert whole["hedge"] == alone["chosen"] and settings.hedge_threshold > settings.gate_threshold
    assert "answer only nearly" in fitting.markdown(whole)
