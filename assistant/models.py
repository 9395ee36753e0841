"""Plain data that flows between the stages: parse -> chunk -> index -> retrieve -> answer.

Every offset (``start``/``end``) is a character offset into ``Report.text``, the
decoded text of the source document, so a citation can always be traced back to
the exact characters it quotes.

Facts a parser extracts are named by one scheme, so every answer kind reads them the same way
(``<kq>`` is one of ``KEY_QUESTIONS``, or ``overall`` for ratings)::

    location, provider, alias, address, postcode   names: the report title (the location), the
                                                   registered provider ("Provided and run by"), ...
    service_type                                   "GP practice", "Care home", "NHS hospital", ...
    service                                        the service a service-level report covers
                                                   ("Urgent and emergency services")
    rating:<kq>                                    "Good" (CQC's casing: "Requires improvement", "Not rated")
    rating:location                                a service-level report's location-wide rating (its page
                                                   header's "Overall: Not rated"; rating:overall is the service's)
    previous_rating:<kq>                           the rating before this assessment or inspection
    score:<kq>                                     "28" (out of 100)
    statement:<kq>:<quality statement>             "1" (a quality statement's score, 1 to 4)
    date:report | date:assessment | date:inspection | date:onsite | date:published | date:updated | date:previous
                                                   an ISO date or range: "2024-08-08/2024-08-09"; "report" is
                                                   "Report from <date> assessment", "published" the publication
    breach                                         "Regulation 12: Safe care and treatment" or "Regulation 12": a
                                                   breach of a regulation stated by its number; one per breach
    breach_topic                                   "good governance", "staffing": a breach stated by its topic only,
                                                   one per fundamental standard it names, in the text's words
                                                   (``vocabulary.regulation_phrases`` gives the regulation)
    town                                           each place name of the address line, locality first and the
                                                   post town last ("Countesthorpe", "Leicester"); one per place
    rating_change:<kq>                             "improved" | "declined" | "remained": a change the text states
                                                   (<kq> may be "overall", or "location" on a service's report)
    service_rating:<service>:<kq>                  a core service's rating ("service_rating:Maternity:overall" =
                                                   "Good"); <service> as services.tsv names it when it is one
    service_score:<service>:<kq>                   a core service's score out of 100
    enforcement                                    "warning notice; 2023-05-01; Regulation 17": the action (as
                                                   enforcement.tsv names it), then its date and regulations when
                                                   stated ("special measures; 2017-06", "conditions"); one per action
    capacity                                       "40 places" or "38 beds": the most the service can take
    people_using_service                           "23": people using the service at the time of the visit
    registered_manager                             "yes" | "no": whether the service has a registered manager
    population                                     "6000": the patients or population a service serves (an NHS
                                                   case study's as written: "2.8 million")
    established                                    (NHS case studies)

The value of a date fact is ``DateRange.parse``-able. ``Report.date`` is the last day of the
report's main date (for sorting and the since/until filters): the report date, else the
inspection, assessment, site visit, publication or update date. Every fact's ``start``/``end`` index
the line or sentence of ``Report.text`` that states it. ``breach``, ``breach_topic``, ``alias``, ``town``
and ``enforcement`` may occur several times; every other name at most once.
"""

from __future__ import annotations

from dataclasses import dataclass, field


KEY_QUESTIONS = ("safe", "effective", "caring", "responsive", "well-led")
# The kinds of date that date a report itself (``date:<kind>``), not its page's update or the inspection before.
OWN_DATES = ("report", "assessment", "inspection", "onsite", "published")


@dataclass(frozen=True)
class DateRange:
    """A stated date or range of days, ISO ``start``..``end`` inclusive (equal for one day).

    A date stated only to the month ("previously inspected in March 2014") keeps that precision:
    "2014-03".
    """

    start: str
    end: str

    @classmethod
    def parse(cls, value: str) -> DateRange:
        """From a date fact's value: "2024-08-08" or "2024-08-08/2024-08-09"."""
        start, _, end = value.partition("/")
        return cls(start, end or start)

    def __str__(self) -> str:
        return self.start if self.start == self.end else f"{self.start}/{self.end}"

    def covers(self, day: str) -> bool:
        """Whether the ISO date ``day`` falls within the range."""
        return self.start <= day[: len(self.start)] and day[: len(self.end)] <= self.end

    def overlaps(self, other: DateRange) -> bool:
        """Whether the two ranges share a day, each read at its own precision ("2024-03" is all of March,
        "2024" all of the year): "2024-03-08" overlaps "2024-03" and "2024", not "2024-04"."""
        def last(d: str) -> str:
            return d + "-99-99"[: 10 - len(d)]
        return self.start <= last(other.end) and other.start <= last(self.end)

    def describe(self) -> str:
        """In words: "8 August 2024", "8 to 9 August 2024", "30 November to 1 December 2023", "March 2014"."""
        from datetime import date

        if len(self.start) == 7 or len(self.end) == 7:  # stated to the month
            months = [f"{date.fromisoformat(d[:7] + '-01'):%B %Y}" for d in dict.fromkeys((self.start, self.end))]
            return " to ".join(months)
        a, b = date.fromisoformat(self.start), date.fromisoformat(self.end)
        last = f"{b.day} {b:%B} {b.year}"
        if a == b:
            return last
        if (a.year, a.month) == (b.year, b.month):
            return f"{a.day} to {last}"
        return f"{a.day} {a:%B}{'' if a.year == b.year else f' {a.year}'} to {last}"


@dataclass(frozen=True)
class Fact:
    """A value a report states (a score, a rating, a date), with the sentence stating it."""

    name: str  # by the scheme above: "rating:safe", "score:well-led", "date:report", "breach", "location", ...
    value: str
    start: int  # offsets of the stating sentence in Report.text
    end: int


@dataclass(frozen=True)
class Section:
    """A titled part of a report. ``path`` is the heading path, outermost first."""

    path: tuple[str, ...]
    start: int  # offsets of the section body in Report.text
    end: int


@dataclass(frozen=True)
class Report:
    """One provider's (or one organisation's) report, parsed.

    A source document usually holds one report; the NHS case-study document
    holds one per case study, each counted as its own organisation.
    """

    report_id: str  # unique in the corpus: the file stem, plus "#n" for the n-th report of a document
    source: str  # file name relative to the corpus folder
    title: str
    provider: str  # the location the report is about (its title): what answers call the provider
    layout: str  # "assessment" | "inspection" | "case-study" | "unknown"
    text: str
    sections: tuple[Section, ...]
    aliases: tuple[str, ...] = ()  # other names the provider goes by ("WYAAT", "Also known as …")
    registered_provider: str | None = None  # "Provided and run by": the company or trust (may equal the location)
    address: str | None = None
    postcode: str | None = None
    service_type: str | None = None
    service: str | None = None  # the service a service-level report covers ("Urgent and emergency services")
    date: str | None = None  # ISO yyyy-mm-dd of the assessment or inspection
    date_text: str | None = None  # the date as the report writes it
    key_question: str | None = None  # "Well-led" when the report rates or scores one key question only
    score: int | None = None  # that key question's score out of 100 (every score: ``scores``)
    # The overall rating; for a report that rates one key question and no overall, that key question's.
    rating: str | None = None
    previous_rating: str | None = None  # the same, before this assessment or inspection
    ratings: tuple[tuple[str, str], ...] = ()  # ("overall", "Good"), ("safe", "Good"), ...: every rating stated
    facts: tuple[Fact, ...] = ()
    warnings: tuple[str, ...] = ()

    def fact(self, name: str) -> Fact | None:
        """The first fact called ``name``, or None."""
        return next((f for f in self.facts if f.name == name), None)

    def facts_named(self, prefix: str) -> list[Fact]:
        """Every fact whose name starts with ``prefix`` ("score:" gives each key question's score)."""
        return [f for f in self.facts if f.name.startswith(prefix)]

    def section_text(self, section: Section) -> str:
        return self.text[section.start : section.end]

    # -- typed views of the facts -----------------------------------------------------------------

    @property
    def scores(self) -> tuple[tuple[str, int], ...]:
        """Each key question's score out of 100: (("safe", 28), ("effective", 58), ...)."""
        return tuple((f.name.split(":", 1)[1], int(f.value)) for f in self.facts_named("score:"))

    @property
    def statement_scores(self) -> tuple[tuple[str, str, int], ...]:
        """Each quality statement's score (1 to 4): (("safe", "Learning culture", 1), ...)."""
        out = []
        for f in self.facts_named("statement:"):
            _, kq, name = f.name.split(":", 2)
            out.append((kq, name, int(f.value)))
        return tuple(out)

    @property
    def previous_ratings(self) -> tuple[tuple[str, str], ...]:
        """The ratings before this report: (("overall", "Inadequate"), ("safe", "Good"), ...)."""
        return tuple((f.name.split(":", 1)[1], f.value) for f in self.facts_named("previous_rating:"))

    @property
    def dates(self) -> dict[str, DateRange]:
        """Every stated date by kind: {"report": DateRange(...), "onsite": DateRange(...), ...}."""
        return {f.name.split(":", 1)[1]: DateRange.parse(f.value) for f in self.facts_named("date:")}

    @property
    def breaches(self) -> tuple[str, ...]:
        """The regulations the report finds breached, as stated."""
        return tuple(f.value for f in self.facts if f.name == "breach")

    @property
    def towns(self) -> tuple[str, ...]:
        """The place names of the address line, locality first, post town last."""
        return tuple(f.value for f in self.facts if f.name == "town")

    @property
    def service_ratings(self) -> tuple[tuple[str, str, str], ...]:
        """Each core service's ratings: (("Maternity", "overall", "Good"), ("Maternity", "safe", "Good"), ...)."""
        out = []
        for f in self.facts_named("service_rating:"):
            service, _, target = f.name.split(":", 1)[1].rpartition(":")
            out.append((service, target, f.value))
        return tuple(out)

    @property
    def rating_changes(self) -> tuple[tuple[str, str], ...]:
        """Each stated change since the rating before: (("safe", "improved"), ("overall", "remained"), ...)."""
        return tuple((f.name.split(":", 1)[1], f.value) for f in self.facts_named("rating_change:"))

    @property
    def enforcement(self) -> tuple[tuple[str, DateRange | None, tuple[str, ...]], ...]:
        """Each enforcement action: (action, its date when stated, the regulations stated), e.g.
        ("warning notice", DateRange("2023-05-01", "2023-05-01"), ("Regulation 17",))."""
        out = []
        for f in self.facts_named("enforcement"):
            action, date, regulations = (f.value.split("; ") + ["", ""])[:3]
            out.append((action, DateRange.parse(date) if date else None,
                        tuple(r.strip() for r in regulations.split(",") if r.strip())))
        return tuple(out)

    @property
    def own_dates(self) -> dict[str, DateRange]:
        """The dates of this report itself (not the previous inspection's, not a page's "Updated" date):
        report, assessment, inspection, onsite and published, those stated."""
        return {k: v for k, v in self.dates.items() if k in OWN_DATES}

    def covers(self, period: str) -> bool:
        """Whether this report is the one of ``period`` ("2022-07", "2024", "2024-03-08"): one of its own
        dates falls in it. A report that states none of its own dates covers nothing."""
        want = DateRange.parse(period)
        return any(d.overlaps(want) for d in self.own_dates.values())

def report_covering(reports: list[Report] | tuple[Report, ...], period: str) -> Report | None:
    """Of one location's reports, the one of ``period`` ("2022-07", "2019", "2024-03-08"): the report whose
    own dates fall in it (the latest such, when several do). None when no report is of that time: a
    dated question is then not answered from a report of another date."""
    covering = [r for r in reports if r.covers(period)]
    return max(covering, key=lambda r: r.date or "", default=None)


@dataclass(frozen=True)
class Chunk:
    """A piece of one section, small enough for the embedding model's window."""

    chunk_id: int
    report_id: str
    provider: str
    source: str
    section: tuple[str, ...]
    start: int  # offsets in Report.text; text == report.text[start:end]
    end: int
    text: str


@dataclass(frozen=True)
class Filters:
    """Narrow retrieval to part of the corpus. Empty fields filter nothing."""

    providers: tuple[str, ...] = ()
    service_types: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    since: str | None = None  # ISO date, inclusive
    until: str | None = None
    all_reports: bool = False  # False: only each provider's latest report

    def describe(self) -> str:
        parts = []
        for label, values in (
            ("provider", self.providers),
            ("service", self.service_types),
            ("rating", self.ratings),
            ("section", self.sections),
        ):
            if values:
                parts.append(f"{label}={'|'.join(values)}")
        if self.since:
            parts.append(f"since={self.since}")
        if self.until:
            parts.append(f"until={self.until}")
        if self.all_reports:
            parts.append("reports=all")
        return " ".join(parts)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and its rank in each method."""

    chunk: Chunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # method -> 1-based rank
    scores: dict[str, float] = field(default_factory=dict)  # method -> raw score


@dataclass(frozen=True)
class Citation:
    """One cited sentence: who said it, where, and the exact characters."""

    n: int
    provider: str
    report: str  # report_id
    section: str  # heading path joined with " > "
    text: str  # the exact sentence, == report.text[start:end]
    start: int
    end: int
    score: float
    date: str | None = None
    source: str = ""
    # The stated value the citation stands for ("rating:safe", "date:inspection"), when an answer cites a fact
    # rather than a finding: what an answer's self-check compares with the value asked. Not part of ``to_json``.
    fact: str = ""

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "provider": self.provider,
            "report": self.report,
            "section": self.section,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(float(self.score), 4),
        }


@dataclass(frozen=True)
class ProviderFinding:
    """A set question's verdict for one provider."""

    name: str
    finding: str  # "lacking" | "meets" | "partly" | "no evidence"
    citations: tuple[int, ...] = ()  # the n of each citation supporting the finding
    # Whether the provider is one the question asks for ("which lacked …": lacking or partly lacking; "which
    # were rated good": rated good): exactly the providers the answer's headline names.
    answers: bool = False

    def to_json(self) -> dict:
        return {"name": self.name, "finding": self.finding, "citations": list(self.citations), "answers": self.answers}


@dataclass(frozen=True)
class Answer:
    """What the assistant says, and everything it rests on."""

    question: str
    text: str  # Markdown with [n] markers
    no_answer: bool
    citations: tuple[Citation, ...] = ()
    providers: tuple[ProviderFinding, ...] = ()
    kind: str = "passage"  # "passage" | "set" | "value" | "overview" | "compare" | "none"
    resolved_query: str = ""  # what was searched, after follow-up resolution
    focus: tuple[str, ...] = ()  # the providers the answer is about; a follow-up inherits them
    # Why there is no answer, for the user: "no_passage" (nothing supports one), "filters" (no report
    # passes the filters), "empty_index", "not_stated" (no report in scope states the value asked),
    # "unknown_provider" (the turn only names a provider the index does not hold).
    reason: str = ""
    # The question this answer answered, as the next turn may ask it again of another provider
    # ("What about Kidderminster?"): a provider-switch follow-up's earlier question, else the question.
    asked: str = ""
    # How sure the answer is, where its kind measures it: a passage answer's answerability (the gate's
    # score of its best sentence, AnswerSettings). None otherwise. Not part of ``to_json``.
    confidence: float | None = None
    # A selection by stated value ("Which services were rated inadequate for safe?"): its providers are
    # those that match the question ("meets" it), not those that meet a standard. Not part of ``to_json``.
    selection: bool = False
    # A name the question used that no provider in the index has, and the provider nearest it ("did you
    # mean …?"): a "yes" as the next turn asks the same question of ``suggestion``. Not part of ``to_json``.
    unknown: str = ""
    suggestion: str = ""

    def to_json(self) -> dict:
        """The stable ``ask --json`` contract (``reason`` was added later: "" when there is an answer)."""
        return {
            "question": self.question,
            "answer": self.text,
            "no_answer": self.no_answer,
            "reason": self.reason,
            "citations": [c.to_json() for c in self.citations],
            "providers": [p.to_json() for p in self.providers],
        }
