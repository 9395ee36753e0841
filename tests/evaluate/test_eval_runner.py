"""The runner and report on the real seed index: scoring rules, conversations, corpora, and the written files."""

from __future__ import annotations

import json

import pytest

from assistant.evaluate import report, runner, summary
from assistant.evaluate.corpora import Skipped
from assistant.evaluate.dataset import Question
from assistant.models import Answer, Citation, ProviderFinding

SCORE_Q = Question("v1", "What was Iridium Medical Practice's well-led score?", True,
                   expected_providers=("Iridium Medical Practice",),
                   expected_evidence=("This service scored 50 (out of 100) for this area.",),
                   expected_answer=("50",), split="dev", category="value")


def _citation(n: int, provider: str, text: str) -> Citation:
    return Citation(n, provider, "r", "Well-led", text, 0, len(text), 1.0)


def test_score_an_answerable_question_answered_with_no_answer_is_a_miss():
    q = Question("p1", "How?", True, expected_evidence=("knew how to raise concerns",), category="fact")
    answer = Answer("How?", "No passage in the reports answers this question.", True, kind="none")
    s = runner.score(q, answer, (), [("Heartbeat Alliance", "Staff knew how to raise concerns about the service.")], k=5)
    assert s["answer_hit@k"] == 0.0 and s["answer_ndcg@10"] == 0.0
    assert s["retrieval_hit@k"] == 1.0  # retrieval found it; the answer still abstained
    assert s["false_abstention"] == 1.0
    assert "abstention_accuracy" not in s


def test_score_unanswerable_questions_only_by_abstention():
    q = Question("u1", "How many beds?", False, category="unanswerable")
    wrong = Answer("How many beds?", "- a weak match [1]", False, (_citation(1, "K", "a weak match"),))
    right = Answer("How many beds?", "No passage in the reports answers this question.", True, kind="none")
    assert runner.score(q, wrong, ("K",), [], 5) == {"abstention_accuracy": 0.0}
    assert runner.score(q, right, (), [], 5) == {"abstention_accuracy": 1.0}


def test_score_set_question_providers_and_evidence_rank():
    q = Question("s1", "Which providers lacked FTSU awareness?", True, expected_providers=("Heartbeat Alliance",),
                 expected_evidence=("not all staff were aware",), category="set")
    cites = (_citation(1, "Iridium Medical Practice", "Staff were aware of who the guardian was."),
             _citation(2, "Heartbeat Alliance", "However, not all staff were aware of the Guardian."))
    answer = Answer(q.question, "...", False, cites, kind="set", focus=("Heartbeat Alliance", "Iridium Medical Practice"))
    s = runner.score(q, answer, runner.listed_providers(answer), [], k=5)
    assert s["answer_mrr"] == 0.5
    assert (s["provider_precision"], s["provider_recall"]) == (0.5, 1.0)
    assert s["provider_f1"] == pytest.approx(2 / 3)


def test_listed_providers_of_a_value_answer_that_selects_providers():
    answer = Answer("Which providers were rated good?", "...", False,
                    (_citation(1, "A", "rated good"), _citation(2, "B", "rated inadequate")),
                    (ProviderFinding("A", "meets", (1,)),), kind="value")
    assert runner.listed_providers(answer) == ("A",)
    assert runner.listed_providers(Answer("q", "none", True, kind="none")) == ()
    nobody = Answer("Which providers were rated inadequate?", "0 of 2 providers in scope match: none.", False,
                    (_citation(1, "A", "rated good"), _citation(2, "B", "rated good")), kind="value")
    assert runner.listed_providers(nobody) == ()  # the values it cites are not a list of matches
    passage = Answer("q", "...", False, (_citation(1, "A", "x"), _citation(2, "B", "y"), _citation(3, "A", "z")))
    assert runner.listed_providers(passage) == ("A", "B")


def test_ask_one_scores_a_value_question(assistant):
    outcome = runner.ask_one(assistant, SCORE_Q, "hybrid", 5)
    assert outcome.scores["answer_hit@k"] == 1.0
    assert outcome.scores["answer_accuracy"] == 1.0
    assert outcome.answer["no_answer"] is False
    assert set(outcome.to_json()) >= {"id", "mode", "latency_s", "answer"}


def test_context_turns_are_asked_first_in_the_same_conversation(assistant):
    follow = Question("f1", "And what was it rated before?", True, context=(SCORE_Q.question,), category="follow-up")
    alone = runner.ask_one(assistant, Question("f2", follow.question, True), "hybrid", 5)
    outcome = runner.ask_one(assistant, follow, "hybrid", 5)
    providers = {c["provider"] for c in outcome.answer["citations"]}
    assert providers == {"Iridium Medical Practice"}  # inherited from the context turn
    assert {c["provider"] for c in alone.answer["citations"]} != providers
    assert {r["provider"] for r in outcome.retrieved} == {"Iridium Medical Practice"}


def test_retrieval_filters_follow_the_assistant(assistant):
    from assistant.models import Answer

    inherited = ("Iridium Medical Practice",)
    before = Answer("Tell me about Iridium", "…", False, focus=inherited, asked="Tell me about Iridium")
    assert runner.retrieval_filters(assistant, "How were complaints handled?", before).providers == inherited
    assert runner.retrieval_filters(assistant, "Which providers lacked FTSU awareness?", before).providers == ()
    named = runner.retrieval_filters(assistant, "What did Heartbeat Alliance do?", before).providers
    assert named == ("Heartbeat Alliance",)


def test_run_all_modes_and_write_the_report(assistant, tmp_path):
    unanswerable = Question("u1", "How many beds does Kidderminster Hospital have?", False, category="unanswerable")
    seen = []
    outcomes = runner.run(assistant, [SCORE_Q, unanswerable], ("hybrid", "bm25", "dense"), 5,
                          progress=lambda done, total: seen.append((done, total)))
    assert [(o.mode, o.id) for o in outcomes][:2] == [("hybrid", "v1"), ("hybrid", "u1")]
    assert seen[-1] == (6, 6)

    paths = report.write(outcomes, tmp_path, 5, "questions.jsonl", "all")
    rows = [json.loads(line) for line in paths["results"].read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 6 and rows[0]["answer"]["question"] == SCORE_Q.question
    saved = json.loads(paths["metrics"].read_text(encoding="utf-8"))
    assert set(saved["modes"]) == {"hybrid", "bm25", "dense"}
    assert saved["modes"]["bm25"]["answer_hit@k"] == 1.0  # the value answer does not depend on the mode
    assert saved["modes"]["hybrid"]["n_abstention_accuracy"] == 1
    text = paths["report"].read_text(encoding="utf-8")
    assert "| metric | n | hybrid | bm25 | dense |" in text
    assert "| answer evidence hit@5 | 1 | 1.000 | 1.000 | 1.000 |" in text
    assert paths["chart"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_leaves_out_metrics_that_apply_to_no_question(assistant):
    outcomes = runner.run(assistant, [SCORE_Q], ("bm25",), 5)
    summary = report.summarise(outcomes)["bm25"]
    assert summary["provider_f1"] is None and summary["n_provider_f1"] == 0
    assert "–" in report.markdown(outcomes, 5, "t", "f", "all")


def test_evidence_counts_only_from_an_expected_provider():
    # "scored 75" is said by two providers; quoted from the wrong one it is not the evidence asked for.
    q = Question("v2", "What was Heartbeat Alliance's score?", True, expected_providers=("Heartbeat Alliance",),
                 expected_evidence=("scored 75",), category="value")
    wrong = Answer(q.question, "...", False, (_citation(1, "Kidderminster Hospital and Treatment Centre", "It scored 75."),
                                              _citation(2, "Heartbeat Alliance", "It scored 75.")))
    s = runner.score(q, wrong, (), [("Kidderminster Hospital and Treatment Centre", "It scored 75.")], k=5)
    assert (s["answer_hit@k"], s["answer_mrr"]) == (1.0, 0.5)
    assert s["retrieval_hit@k"] == 0.0


def test_score_finding_labels_against_the_expected_ones():
    q = Question("s2", "Which providers lacked X?", True, expected_providers=("A",), category="set",
                 expected_findings=(("A", "lacking"), ("B", "meets"), ("C", "no evidence")))
    answer = Answer(q.question, "...", False, (_citation(1, "A", "no X"),),
                    (ProviderFinding("A", "lacking", (1,)), ProviderFinding("B", "partly", (1,))), kind="set", focus=("A",))
    s = runner.score(q, answer, runner.listed_providers(answer), [], k=5)
    assert s["finding_accuracy"] == pytest.approx(2 / 3)  # B is wrong; C, not judged, is "no evidence" as expected
    assert s["provider_f1"] == 1.0


def test_expected_order_is_part_of_expected_answer_accuracy():
    q = Question("c1", "Rank them", True, expected_answer=("75",), expected_order=("Heartbeat", "Iridium"), category="compare")
    ranked = Answer(q.question, "1. Heartbeat Alliance 75\n2. Iridium Medical Practice 50", False)
    reversed_ = Answer(q.question, "1. Iridium Medical Practice 50\n2. Heartbeat Alliance 75", False)
    assert runner.score(q, ranked, (), [], 5)["answer_accuracy"] == 1.0
    assert runner.score(q, reversed_, (), [], 5)["answer_accuracy"] == 0.0


def test_follow_up_accuracy_needs_the_right_provider():
    q = Question("f3", "And what was their score?", True, expected_providers=("Iridium Medical Practice",),
                 expected_evidence=("scored 50",), expected_answer=("50",), category="follow-up")
    right = Answer(q.question, "scored 50 [1]", False, (_citation(1, "Iridium Medical Practice", "It scored 50."),),
                   focus=("Iridium Medical Practice",))
    jumped = Answer(q.question, "scored 50 [1]", False, (_citation(1, "Iridium Medical Practice", "It scored 50."),),
                    focus=("Iridium Medical Practice", "Heartbeat Alliance"))
    assert runner.score(q, right, (), [], 5)["follow_up_accuracy"] == 1.0
    assert runner.score(q, jumped, (), [], 5)["follow_up_accuracy"] == 0.0
    unanswerable = Question("f4", "And its safe score?", False, category="follow-up")
    declined = Answer(unanswerable.question, "Not stated.", True, kind="value")
    assert runner.score(unanswerable, declined, (), [], 5) == {"abstention_accuracy": 1.0, "follow_up_accuracy": 1.0}


def test_run_asks_each_question_of_its_corpus(assistant):
    real = Question("r1", "What was Access Dignity Care's safe score?", True, corpus="real", category="value")
    outcomes = runner.run({"seeds": assistant}, [SCORE_Q, real], ("hybrid",), 5)
    assert [o.id for o in outcomes] == ["v1"]  # no assistant for the real corpus: left out
    assert outcomes[0].corpus == "seeds" and outcomes[0].to_json()["corpus"] == "seeds"
    assert [o.id for o in runner.run(assistant, [SCORE_Q, real], ("bm25",), 5)] == ["v1"]  # a bare assistant is seeds


def _outcome(qid, corpus, split, category, scores, no_answer=False, confidence=None, answerable=True):
    return runner.Outcome(qid, "hybrid", split, category, 0.01, {"no_answer": no_answer}, "passage", (), (), scores,
                          corpus, confidence, answerable)


def test_targets_and_tables_per_corpus_split_and_category(tmp_path):
    outcomes = [
        _outcome("a", "seeds", "test", "fact", {"answer_hit@k": 1.0, "retrieval_hit@k": 1.0, "false_abstention": 0.0}),
        _outcome("b", "seeds", "test", "fact", {"answer_hit@k": 0.0, "retrieval_hit@k": 1.0, "false_abstention": 1.0}),
        _outcome("c", "real", "test", "unanswerable", {"abstention_accuracy": 1.0}, no_answer=True, answerable=False),
        _outcome("d", "real", "dev", "set", {"provider_f1": 0.5, "finding_accuracy": 1.0, "false_abstention": 0.0}),
    ]
    assert summary.groups(outcomes) == [("seeds", "test"), ("real", "test"), ("real", "dev")]
    seeds_test = summary.summary_of(outcomes[:2])
    checks = {label: (value, met) for label, value, met in summary.targets(seeds_test)}
    assert checks["answer evidence hit@{k} ≥ 0.85"] == (0.5, False)
    assert checks["retrieval hit@{k} − answer hit@{k} ≤ 0.05"] == (0.5, False)
    assert checks["follow-ups ≥ 0.90"] == (None, None)
    text = report.markdown(outcomes, 5, "t", "q.jsonl", "all", skipped=[Skipped("x", "real", "not in tests/data/real: a.txt")],
                           sections=["### Peer comparison\n\nside by side"])
    assert "1 questions skipped" in text and "`x` (real): not in tests/data/real: a.txt" in text
    assert "| answer evidence hit@5 ≥ 0.85 | 0.500 ✗ | – | – |" in text
    assert "| unanswerable declined ≥ 0.90 | – | 1.000 ✓ | – |" in text
    assert "## By category: seeds, test split (hybrid)" in text and "## By category: real, dev split (hybrid)" in text
    assert "| fact | 2 | 0.500 | 1.000 |" in text
    assert "### Peer comparison" in text
    assert "## Abstention trade-off" not in text  # no answer states a confidence: no curve, no section
    saved = json.loads(report.write(outcomes, tmp_path, 5, "q.jsonl", "all")["metrics"].read_text(encoding="utf-8"))
    assert saved["by_corpus"]["hybrid"]["real"]["dev"]["provider_f1"] == 0.5
    assert saved["by_corpus_category"]["hybrid"]["seeds"]["test"]["fact"]["answer_hit@k"] == 0.5
    assert {"target": "unanswerable declined ≥ 0.90", "value": 1.0, "met": True} in saved["targets"]["real/test"]


def test_tradeoff_curve_from_stated_confidence():
    outcomes = [
        _outcome("a", "seeds", "test", "fact", {"answer_hit@k": 1.0}, confidence=0.9),
        _outcome("b", "seeds", "test", "fact", {"answer_hit@k": 0.0}, confidence=0.2),
        _outcome("u", "seeds", "test", "unanswerable", {}, confidence=0.4, answerable=False),
    ]
    curve = summary.tradeoff(outcomes, points=3)
    assert [p["threshold"] for p in curve] == [None, 0.2, 0.4, 0.9]
    as_answered, _, at_04, at_09 = curve
    assert (as_answered["false_abstention"], as_answered["abstention_accuracy"], as_answered["answer_hit@k"]) == (0.0, 0.0, 0.5)
    assert (at_04["false_abstention"], at_04["abstention_accuracy"], at_04["answer_hit@k"]) == (0.5, 0.0, 0.5)
    assert (at_09["false_abstention"], at_09["abstention_accuracy"], at_09["answer_hit@k"]) == (0.5, 1.0, 0.5)
    assert summary.tradeoff([_outcome("a", "seeds", "test", "fact", {"answer_hit@k": 1.0})]) is None
    assert "| seeds | 0.400 | 0.500 | 0.000 | 0.500 |" in report.markdown(outcomes, 5, "t", "q", "all")


def test_a_fitted_tradeoff_curve_becomes_a_table():
    # The shape assistant.evaluate.answerability writes: points of figures, the one in use repeated as "chosen".
    points = [{"threshold": 0.3, "declined_unanswerable": 0.5, "false_abstention": 0.0},
              {"threshold": 0.45, "declined_unanswerable": 0.9, "false_abstention": 0.04},
              {"threshold": 0.6, "declined_unanswerable": 1.0, "false_abstention": None}]
    text = report.curve_section({"curve": points, "chosen": points[1]}, "eval/answerability.json")
    assert "| threshold | declined unanswerable | false abstention |" in text
    assert "| **0.450** ← in use | 0.900 | 0.040 |" in text
    assert "| 0.600 | 1.000 | – |" in text
    assert "holds no curve" in report.curve_section({}, "x.json")
