"""The citation book numbers citations in the order the answer text uses them."""

from assistant.answer.citations import CitationBook, key_of, section_of
from assistant.models import ProviderFinding


def _span(report, sentence):
    start = report.text.index(sentence)
    return start, start + len(sentence)


def test_numbers_follow_the_text_not_the_order_of_adding(data):
    iridium = data.reports["iridium-medical-practice-2025-01-13"]
    heartbeat = data.reports["heartbeat-alliance-2024-04-25"]
    book = CitationBook(data.reports)
    # Added Iridium first (as a loop over providers in name order would), but the text names Heartbeat first.
    late = book.add(iridium, *_span(iridium, "This service scored 50 (out of 100) for this area."))
    early = book.add(heartbeat, *_span(heartbeat, "However, not all staff were aware of the Freedom to Speak Up Guardian."))
    unused = book.add(iridium, *_span(iridium, "Governance processes required improvement."))
    assert book.add(heartbeat, *_span(heartbeat, "However, not all staff were aware of the Freedom to Speak Up Guardian.")) == early
    findings = [ProviderFinding("Iridium Medical Practice", "lacking", (key_of(late), key_of(unused))),
                ProviderFinding("Heartbeat Alliance", "partly", (key_of(early),))]
    text, citations, resolved = book.finish(f"Heartbeat {early} then Iridium {late}, Heartbeat again {early}.", findings)

    assert text == "Heartbeat [1] then Iridium [2], Heartbeat again [1]."
    assert [(c.n, c.provider) for c in citations] == [(1, "Heartbeat Alliance"), (2, "Iridium Medical Practice")]
    assert citations[1].text == "This service scored 50 (out of 100) for this area."
    assert citations[1].section == "Well-led > Overview" and citations[1].date == "2025-01-13"
    # A sentence the text never uses is not cited, and findings point at the final numbers.
    assert [f.citations for f in resolved] == [(2,), (1,)]


def test_section_is_the_innermost_holding_the_sentence(data):
    iridium = data.reports["iridium-medical-practice-2025-01-13"]
    start, _ = _span(iridium, "Recruitment processes and processes to monitor ongoing checks")
    assert section_of(iridium, start) == ("Well-led", "Governance, management and sustainability")
