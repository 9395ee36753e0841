"""The question-file format, its errors, and the committed question set against the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.evaluate import dataset
from assistant.text import normalise, sentence_spans

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "eval" / "questions.jsonl"

GOOD = {"id": "q1", "question": "What was Iridium's score?", "answerable": True, "split": "dev",
        "category": "value", "expected_evidence": ["scored 50"], "expected_answer": "50"}


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_reads_fields_and_defaults(tmp_path):
    minimal = {"id": "q2", "question": "Who?", "answerable": False}
    path = write(tmp_path, json.dumps(GOOD), "", json.dumps(minimal))
    q1, q2 = dataset.load(path)
    assert q1.expected_answer == ("50",)  # a single string is a one-item list
    assert q1.split == "dev" and q1.category == "value" and q1.line == 1
    assert q2.split == "test" and q2.context == () and q2.line == 3  # the blank line is skipped, not renumbered


def test_load_filters_by_split(tmp_path):
    path = write(tmp_path, json.dumps(GOOD), json.dumps({**GOOD, "id": "q2", "split": "test"}))
    assert [q.id for q in dataset.load(path, "dev")] == ["q1"]
    assert [q.id for q in dataset.load(path, "test")] == ["q2"]
    assert len(dataset.load(path, "all")) == 2


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "answerable"}), "missing required field 'answerable'"),
        (json.dumps({**GOOD, "answerable": "yes"}), "'answerable' must be true or false"),
        (json.dumps({**GOOD, "question": "  "}), "'question' must be a non-empty string"),
        (json.dumps({**GOOD, "expected_evidence": [1]}), "'expected_evidence' must be a list"),
        (json.dumps({**GOOD, "split": "train"}), "'split' must be one of dev, test"),
        (json.dumps({**GOOD, "expected_evidnce": ["x"]}), "unknown field(s) expected_evidnce"),
    ],
)
def test_a_bad_line_names_its_line_number(tmp_path, line, message):
    path = write(tmp_path, json.dumps({**GOOD, "id": "ok"}), line)
    with pytest.raises(dataset.EvalFileError) as err:
        dataset.load(path)
    assert f"{path}:2:" in str(err.value)
    assert message in str(err.value)


def test_duplicate_ids_are_an_error(tmp_path):
    path = write(tmp_path, json.dumps(GOOD), json.dumps(GOOD))
    with pytest.raises(dataset.EvalFileError, match=r":2: duplicate id 'q1' \(first on line 1\)"):
        dataset.load(path)


def test_cli_reports_a_bad_line_in_one_line(tmp_path):
    from assistant.cli import main

    path = write(tmp_path, json.dumps(GOOD), "{oops")
    result = CliRunner().invoke(main, ["eval", "run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{path}:2: not valid JSON" in result.output
    assert "Traceback" not in result.output


# -- the committed question set ---------------------------------------------------------------


@pytest.fixture(scope="module")
def questions():
    return dataset.load(QUESTIONS)


def test_question_set_size_and_coverage(questions):
    assert len(questions) >= 60
    for split in dataset.SPLITS:
        cats = {q.category for q in questions if q.split == split}
        assert cats == set(dataset.CATEGORIES), f"{split} split lacks {set(dataset.CATEGORIES) - cats}"
    assert any(q.context for q in questions if q.category == "follow-up")
    assert all(not q.expected_evidence for q in questions if not q.answerable)


def test_expected_evidence_is_verbatim_in_the_corpus_files(questions):
    corpus = " ".join(normalise(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "corpus").iterdir()))
    missing = [(q.id, e) for q in questions if q.answerable for e in q.expected_evidence if normalise(e) not in corpus]
    assert missing == []


def test_expected_evidence_lies_within_one_sentence_of_an_expected_provider(questions, data):
    # Citations are sentences, so evidence spanning two sentences could never be matched.
    sentences = [(r.provider, normalise(r.text[s:e])) for r in data.reports.values() for s, e in sentence_spans(r.text)]
    for q in questions:
        for e in q.expected_evidence:
            owners = {p for p, s in sentences if normalise(e) in s}
            assert owners, f"{q.id}: {e!r} is not inside one sentence"
            if q.expected_providers:
                assert owners & set(q.expected_providers), f"{q.id}: {e!r} is said by {owners}"


def test_expected_providers_exist(questions, data):
    names = {r.provider for r in data.reports.values()}
    assert {p for q in questions for p in q.expected_providers} <= names
