"""A stand-in assistant for fast widget tests (oterm's way): real ``Report``/``Answer`` values over
a few tiny reports, no index or model. Provider names and report text are hostile on purpose:
Rich markup in names, square brackets, and terminal escape sequences in the text."""

from __future__ import annotations

import threading
from pathlib import Path

from assistant.models import Answer, Citation, Filters, ProviderFinding, Report, Section

MARKUP = "Markup [/] Practice"
REDLINE = "[bold red]Redline[/] Practice"
SMITH = "Dr Smith [and Partners]"
PLAIN = "Plain Surgery"
PROVIDERS = (MARKUP, REDLINE, SMITH, PLAIN)
OSC_TITLE = "\x1b]0;pwned\x07"  # sets the terminal's title if printed raw
FTSU = "Which providers lacked FTSU awareness?"

_SENTENCES = {
    MARKUP: "Not all staff were aware of the Freedom to Speak Up Guardian.",
    REDLINE: f"Staff knew who the guardian was.{OSC_TITLE} They felt able to speak up.",
    SMITH: "Staff were aware of the Freedom to Speak Up Guardian [FTSU].",
    PLAIN: "The practice scored 62 out of 100 for Well-led.",
}


def _report(n: int, provider: str) -> Report:
    head = f"{provider}\nInspection report\n\nWell-led\n"
    body = ("The leadership team met monthly.\n" + _SENTENCES[provider] + "\n"
            + "\n".join(f"Further finding {i} about governance and oversight." for i in range(1, 30)) + "\n")
    text = head + body
    report_id = f"r{n}-{provider.lower().replace(' ', '-')}-2024-05-0{n}"
    return Report(report_id=report_id, source=f"{report_id}.txt", title=provider, provider=provider,
                  layout="assessment", text=text, sections=(Section(("Well-led",), len(head), len(text)),),
                  date=f"2024-05-0{n}", date_text=f"{n} May 2024")


REPORTS = {r.report_id: r for r in (_report(i + 1, p) for i, p in enumerate(PROVIDERS))}
BY_PROVIDER = {r.provider: r for r in REPORTS.values()}


def cite(n: int, provider: str) -> Citation:
    """Citation ``n``: the finding sentence of ``provider``'s report, with its exact offsets."""
    report = BY_PROVIDER[provider]
    sentence = _SENTENCES[provider]
    start = report.text.index(sentence)
    return Citation(n, provider, report.report_id, "Well-led", sentence, start, start + len(sentence), 0.9,
                    report.date, report.source)


def set_answer(question: str = FTSU) -> Answer:
    """A set answer over the four providers: one lacking, one partly, two meeting."""
    findings = (("lacking", MARKUP), ("partly", REDLINE), ("meets", SMITH), ("no evidence", PLAIN))
    citations = tuple(cite(i, p) for i, (_, p) in enumerate(findings[:3], start=1))
    text = (f"1 of 4 providers in scope: {MARKUP}.\n\n- **{MARKUP}** — lacking: “{_SENTENCES[MARKUP]}” [1]\n\n"
            "Other providers with evidence on this topic:\n"
            f"- **{REDLINE}** — partly: [2]\n- **{SMITH}** — meets: [3]")
    providers = tuple(ProviderFinding(p, f, (i,) if i <= 3 else ()) for i, (f, p) in enumerate(findings, start=1))
    return Answer(question, text, False, citations, providers, kind="set", resolved_query="lacked FTSU awareness",
                  focus=(MARKUP,))


def passage_answer(question: str, provider: str = PLAIN, lines: int = 6) -> Answer:
    """A passage answer citing ``provider``, ``lines`` paragraphs long (tall enough to scroll)."""
    body = "\n\n".join(f"Paragraph {i} of the answer to “{question}”." for i in range(1, lines + 1))
    return Answer(question, f"{body} [1]", False, (cite(1, provider),), kind="passage",
                  resolved_query=question.lower().rstrip("?"), focus=(provider,))


def no_answer(question: str, reason: str) -> Answer:
    return Answer(question, "I cannot find that in the reports.", True, kind="none", reason=reason)


class FakeAssistant:
    """A ``ChatBackend`` answering from ``answers`` (question -> Answer), else with a passage answer;
    it records every call.

    ``gate``, when set, holds each answer until it is released, to test what
    happens while an answer is pending.
    """

    def __init__(self, answers: dict[str, Answer] | None = None, providers=PROVIDERS, gate=None,
                 version: str = "v000007"):
        self.answers = {FTSU: set_answer(), **(answers or {})}
        self._providers = sorted(providers)
        self.reports = dict(REPORTS)
        self.version = version
        self.default_mode = "hybrid"
        self.gate: threading.Event | None = gate
        self.calls: list[tuple[str, Filters, str | None]] = []

    def providers(self) -> list[str]:
        return list(self._providers)

    def resolve(self, name: str) -> list[str]:
        return [p for p in self._providers if name.lower() in p.lower()]

    def report(self, report_id: str) -> Report:
        return self.reports[report_id]

    def ask(self, question: str, filters: Filters = Filters(), *, mode=None, k=None, context=None):
        self.calls.append((question, filters, mode))
        if self.gate is not None:
            self.gate.wait(timeout=30)
        return self.answers.get(question) or passage_answer(question)


def make_fake_app(tmp_path: Path, assistant: FakeAssistant | None = None, **kwargs):
    """The real ``ChatApp`` over a fake assistant, with its files under ``tmp_path``."""
    from assistant.tui.app import ChatApp

    fake = assistant or FakeAssistant()
    kwargs.setdefault("history_dir", tmp_path / "history")
    kwargs.setdefault("corpus_dir", tmp_path / "corpus")
    kwargs.setdefault("index_dir", tmp_path / "index")
    return ChatApp(lambda: fake, **kwargs)
