"""Overviews: a provider's stated ratings and scores, then its key findings, concerns first."""

import pytest

from _answers import grounded, real_assistant, texts  # noqa: F401 (real_assistant is a fixture)
from assistant.answer import facts

KIDDERMINSTER = "Kidderminster Hospital and Treatment Centre"


def test_tell_me_about_a_provider(assistant, data):
    answer = assistant.ask("Tell me about Kidderminster")
    assert not answer.no_answer and answer.kind == "overview" and answer.focus == (KIDDERMINSTER,)
    assert "- Well-led: rated Good for Well-led [1]; scored 75 out of 100 for Well-led [2]" in answer.text
    assert texts(answer)[:2] == ["Our rating for this key question has improved and is now good.",
                                 "This service scored 75 (out of 100) for this area."]
    grounded(answer, data)


def test_concerns_come_first(assistant, data):
    answer = assistant.ask("Tell me about Iridium")
    text = answer.text
    assert text.index("Concerns:") < text.index("Other findings:")
    concerns = text[text.index("Concerns:"): text.index("Other findings:")]
    assert "Governance processes required improvement." in concerns
    assert "Leaders and staff did not have a shared vision and culture" in concerns
    others = text[text.index("Other findings:"):]
    assert "credible vision" in others and " not " not in others
    # Page furniture and methodology are never findings.
    assert "Find out what we look at" not in text and "We looked for evidence" not in text
    grounded(answer, data)


def test_a_provider_without_ratings_is_summarised_from_its_findings(assistant, data):
    answer = assistant.ask("Give me an overview of Our Dorset")
    assert answer.kind == "overview" and not answer.no_answer
    assert "Ratings and scores" not in answer.text
    assert all(c.provider == "Our Dorset" for c in answer.citations) and len(answer.citations) >= 3
    grounded(answer, data)


@pytest.mark.slow
def test_overview_of_a_real_report_names_every_stated_score(real_assistant):
    answer = real_assistant.ask("Tell me about Access Dignity Care")
    report = next(r for r in real_assistant.data.reports.values() if r.provider == answer.focus[0])
    assert "scored 28 out of 100 for Safe" in answer.text
    for kq, v in facts.per_key_question(report, "score").items():  # 28, 58, 50 once the parser states each
        assert f"scored {v.value} out of 100 for {kq.capitalize()}" in answer.text
        assert report.text[v.fact.start:v.fact.end] in texts(answer)
    concerns = answer.text[answer.text.index("Concerns:"):]
    assert "Safeguarding systems were not effective" in concerns or "did not always receive their medicines" in concerns
    grounded(answer, real_assistant.data)


@pytest.fixture(scope="module")
def furniture_assistant(tmp_path_factory, real_embedder):
    """Dev real reports of which four print "The score for this quality statement is based on the previous
    rating for …"."""
    import shutil

    from _answers import REAL
    from assistant.indexing.build import build_index
    from assistant.session import load_assistant

    corpus, index = tmp_path_factory.mktemp("furniture-corpus"), tmp_path_factory.mktemp("furniture-index")
    for name in ("real_access-dignity-care_2024-01.txt", "real_meon-health-practice_2024-03.txt",
                 "real_new-royal-liverpool-uec_2025-04.txt", "real_priory-hospital-norwich_2024-06.txt",
                 "real_thornton-hall-lodge_2024-02.txt", "real_chesser-surgery_2024-07.txt"):
        shutil.copy(REAL / name, corpus / name)
    build_index(corpus, index, real_embedder)
    return load_assistant(index, embedder=real_embedder)


@pytest.mark.slow
def test_page_boilerplate_is_not_a_finding(furniture_assistant):
    # Sentences that recur word for word across reports are page furniture, and so is Access Dignity Care's
    # "This rating uses some scores from the previous inspection.", close in meaning to the recurring "The score
    # for this quality statement is based on the previous rating for …": judged by document frequency.
    from dataclasses import replace

    from assistant.answer.assistant import Assistant

    # Six reports here: a sentence in two of them (a third) is repeated.
    s = replace(furniture_assistant.settings, boilerplate_min_reports=2)
    real = Assistant(furniture_assistant.retriever, s)
    index = real.sentences
    repeated = index.repeated(s.boilerplate_min_reports, s.boilerplate_share)
    sentences = set()
    for row in repeated:
        chunk = index.chunks[int(index.table.chunk_id[row])]
        sentences.add(real.data.reports[chunk.report_id].text[int(index.table.start[row]):int(index.table.end[row])])
    assert "Find out what we look at when we assess this area and How we calculate these scores." in sentences
    answer = real.ask("Tell me about Access Dignity Care")
    assert "This rating uses some scores from the previous inspection." not in texts(answer)
    assert "Safe recruitment systems were in place." in texts(answer)  # a finding stays
    grounded(answer, real.data)


@pytest.mark.slow
def test_the_page_header_is_never_a_finding(tmp_path, real_embedder):
    # Safe Hands' page header carries a banner ("Important: We are carrying out a review of quality at …"),
    # above the report's first section: the header section is "Summary", but it is no summary of findings.
    from _answers import assistant_over

    safe_hands = assistant_over(tmp_path, real_embedder, ["real_safe-hands-home-care_2023-11.txt"])
    answer = safe_hands.ask("Tell me about Safe Hands Home Care")
    assert not answer.no_answer and "rated Inadequate overall" in answer.text
    assert not any("carrying out a review of quality" in t for t in texts(answer))
    report = next(iter(safe_hands.data.reports.values()))
    first_section = min(s.start for s in report.sections)
    assert all(c.start >= first_section for c in answer.citations if not c.fact)
    grounded(answer, safe_hands.data)
