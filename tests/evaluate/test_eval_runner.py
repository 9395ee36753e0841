"""The runner and report on the real seed index: scoring rules, conversations, and the written files."""

from __future__ import annotations

import json

import pytest

from assistant.evaluate import report, runner
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
    s = runner.score(q, answer, (), ["Staff knew how to raise concerns about the service."], k=5)
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
    inherited = ("Iridium Medical Practice",)
    assert runner.retrieval_filters(assistant, "How were complaints handled?", inherited).providers == inherited
    assert runner.retrieval_filters(assistant, "Which providers lacked FTSU awareness?", inherited).providers == ()
    named = runner.retrieval_filters(assistant, "What did Heartbeat Alliance do?", inherited).providers
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
