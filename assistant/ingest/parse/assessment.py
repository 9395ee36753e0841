"""The 2024-25 assessment layout: a page per key question, a heading per quality statement.

After the page header, a report holds, in any order and any subset::

    Ratings - Urgent and emergency services      a service-level report's ratings list
      • Overall / Good, • Safe / Good, …
    Our view of the service                      top-level headings with prose
    Contents / On this page / - Overview / - …   a contents list announcing the headings that follow
    Safe                                         a key question …
    Inadequate                                   … its rating, and the page's date
    Updated 12 April 2024
    … This service scored 28 (out of 100) for this area.
    Learning culture                             a quality statement …
    Score: 1                                     … and its score (or "We scored the service as 1.")

Sections are (key question, "Overview"), (key question, quality statement) and (heading,) for
the parts before the first key question.
"""

from __future__ import annotations

import re

from assistant.ingest.dates import DATE_TEXT, whole_date
from assistant.ingest.parse import prose
from assistant.ingest.parse.build import Facts, LayoutReading
from assistant.ingest.parse.header import UPDATED, Header
from assistant.ingest.parse.lines import Line, line_fact, section, title_like
from assistant.vocabulary import KQ_NAMES, KQ_WORDS, kq_heading, kq_id, rating_of, statement_kq
from assistant.models import Fact

NAV = frozenset({"contents", "on this page"})
REPORT_FROM = re.compile(rf"^Report from {DATE_TEXT} assessment$", re.I)
_RATINGS_LIST = re.compile(r"^Ratings?(?:\s*[-–—:]\s*(?P<service>\S.{2,120})|\s+for\s+(?P<service2>\S.{2,120}))?$", re.I)
_RATING_ITEM = re.compile(rf"^(?P<kq>overall|{KQ_WORDS})(?:\s*[:–—-]?\s*(?P<r>outstanding|good|requires improvement|"
                          rf"inadequate|not rated))?$", re.I)
_SCORE_LINE = re.compile(r"^(?:Score|Quality statement score):?\s*(?P<v>[1-4])(?:\s*(?:out of|/)\s*4)?$", re.I)
SCORED = re.compile(r"\bscored\s+\d{1,3}\s*\(?\s*(?:out of|/)\s*100\b", re.I)
# The opening of a summary whose page lost its header: "We carried out an announced assessment of <location> …"
# (the single assessment framework assesses; the older one inspected).
ASSESSED = re.compile(r"^We (?:have )?carried out an? (?:(?:un)?announced\s+)?(?:[\w-]+\s+)?assessment (?:of|at)\b", re.I)
# A summary that opens with its dates: "Date of assessment: 8 and 9 August 2024. …" (the framework assesses).
_DATE_OF_ASSESSMENT = re.compile(r"^Dates? of (?:the )?assessment\b", re.I)
_UPDATED = UPDATED


def looks_like(lines: list[Line], header: Header) -> bool:
    """Whether the page is in this layout: "Report from … assessment", scores out of 100, quality
    statements with a "Score: n", or (a page without its header) a summary opening "We carried out
    an assessment of …"."""
    if header.report_date_text:
        return True
    for i, ln in enumerate(lines[:400]):
        if REPORT_FROM.match(ln.text) or SCORED.search(ln.text) or (i < header.end + 3 and (
                ASSESSED.match(ln.text) or _DATE_OF_ASSESSMENT.match(ln.text))):
            return True
        if _SCORE_LINE.match(ln.text) and i and title_like(lines[i - 1]):
            return True
    return False


def read(text: str, lines: list[Line], header: Header, facts: Facts) -> LayoutReading:
    """Sections and facts of an assessment page whose header ends at ``header.end``."""
    reader = _Reader(text, lines, header, facts)
    reader.run()
    return LayoutReading("assessment", header, facts, reader.sections(), reader.kqs)


class _Reader:
    def __init__(self, text: str, lines: list[Line], header: Header, facts: Facts):
        self.text, self.lines, self.header, self.facts = text, lines, header, facts
        self.groups: list[tuple[tuple[str, ...], list[Line]]] = []
        self.open = False  # whether body lines continue the last group
        self.kq: str | None = None
        self.kqs: list[str] = []
        self.announced: dict[str, str] = {}  # normalised heading -> as written, from contents lists
        self.service_part = False  # past the "Ratings - <service>" line: top-level parts are the service's
        self.service_groups: set[int] = set()  # indices of the groups in the service's part

    def start(self, path: tuple[str, ...]) -> None:
        if self.service_part and len(path) == 1:
            self.service_groups.add(len(self.groups))
        self.groups.append((path, []))
        self.open = True

    def body(self, line: Line) -> None:
        if not self.open:
            self.start((KQ_NAMES[self.kq], "Overview") if self.kq else (_PENDING, "Overview") if self.pending()
                       else ("Overview",))
        self.groups[-1][1].append(line)

    def pending(self) -> bool:
        """Whether a key question's page has begun whose heading the page lost (see ``page_date``)."""
        return bool(self.groups) and self.groups[-1][0][0] == _PENDING

    def run(self) -> None:
        lines, i, in_nav = self.lines, self.header.end, False
        while i < len(lines):
            ln = lines[i]
            if ln.key in self.header.texts:
                i += 1  # a page header repeated at the top of the next page
                continue
            if ln.key in NAV:
                if not in_nav:
                    self.announced = {}  # each page's contents list announces that page's headings
                in_nav, self.open = True, False
                i += 1
                continue
            if in_nav and ln.bullet:
                self.announced[ln.key] = ln.text
                i += 1
                continue
            in_nav = False
            i = self.line(i)

    def line(self, i: int) -> int:
        """Read the line at ``i`` (and any lines that belong to it); returns the next index."""
        lines, ln = self.lines, self.lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (m := _RATINGS_LIST.match(ln.text)) and not ln.bullet:
            return self.ratings_list(i, (m["service"] or m["service2"] or "").strip())
        if ln.key in ("overall", "overall inspection") and nxt is not None and (rating := rating_of(nxt.text)):
            # The location's "Overall / Good / Updated …" block: the report's overall rating, or the
            # location's when the report is about one of its services.
            name = "rating:location" if self.facts.get("service") else "rating:overall"
            self.facts.add(line_fact(name, rating, ln, nxt))
            self.start(("Overview",))
            self.groups[-1][1].append(nxt)
            return i + 2
        kq = kq_heading(ln.text) if not ln.bullet else None
        if kq:
            return self.key_question(i, kq)
        if self.is_statement(i):
            return self.statement(i)
        if self.kq is None and not self.pending() and self.is_top_heading(i):
            self.start((ln.text.rstrip(":").strip(),))
            return i + 1
        path = self.groups[-1][0] if self.groups else ()
        if _UPDATED.match(ln.text) and self.kq and path and path[-1] != "Overview":
            # A page date after a quality statement: the next key question's page, its heading lost.
            self.kq, self.open = None, False
            self.start((_PENDING, "Overview"))
        self.body(ln)
        return i + 1

    def key_question(self, i: int, kq: str) -> int:
        """A key question's heading, with its rating and the page's date under it."""
        lines, ln = self.lines, self.lines[i]
        self.set_kq(kq)
        self.start((KQ_NAMES[kq], "Overview"))
        j = i + 1
        if j < len(lines) and (rating := rating_of(lines[j].text)):
            self.facts.add(line_fact(f"rating:{kq}", rating, ln, lines[j]))
            self.groups[-1][1].append(lines[j])
            j += 1
            date = whole_date(lines[j].text) if j < len(lines) else None
            if date is not None:  # "Good / 6 June 2025": the page's date, where others print "Updated …"
                self.facts.add(line_fact("date:updated", str(date.range), lines[j - 1], lines[j]))
                self.groups[-1][1].append(lines[j])
                j += 1
        return j

    def set_kq(self, kq: str) -> None:
        self.kq = kq
        if kq not in self.kqs:
            self.kqs.append(kq)
        # Groups of a page that began without its heading now know their key question.
        self.groups = [((KQ_NAMES[kq], *path[1:]) if path[0] == _PENDING else path, body) for path, body in self.groups]

    def statement(self, i: int) -> int:
        """A quality statement's heading, with its "Score: n" under it."""
        lines, ln = self.lines, self.lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        owner = statement_kq(ln.text)
        if owner and owner != self.kq and (self.kq is None or ln.key not in self.announced):
            self.set_kq(owner)  # a statement of another key question: that key question's page
        owner = self.kq or owner
        self.start((KQ_NAMES[owner] if owner else "Assessment", ln.text))
        if nxt is not None and (m := _SCORE_LINE.match(nxt.text)):
            if owner:
                self.facts.add(line_fact(f"statement:{owner}:{ln.text}", m["v"], ln, nxt))
            self.groups[-1][1].append(nxt)
            return i + 2
        return i + 1

    def ratings_list(self, i: int, service: str) -> int:
        """"Ratings - <service>", then perhaps "• Overall" / "Good" pairs: the ratings of the report's service."""
        lines, head = self.lines, self.lines[i]
        stated: list[Fact] = []
        j = i + 1
        while j < len(lines) and lines[j].bullet and (m := _RATING_ITEM.match(lines[j].text)):
            item, last, value = lines[j], lines[j], m["r"]
            if not value and j + 1 < len(lines) and not lines[j + 1].bullet and rating_of(lines[j + 1].text):
                last, value = lines[j + 1], lines[j + 1].text
                j += 1
            if not value:
                break
            target = "overall" if m["kq"].lower() == "overall" else kq_id(m["kq"])
            stated.append(line_fact(f"rating:{target}", rating_of(value), item, last))
            j += 1
        if not service and self.facts.get("service"):
            # A plain "Ratings" list on the page of a report about one service (named in prose): the
            # location's ratings, its services' combined. The service's own are on its key questions' pages.
            stated = [Fact("rating:location", f.value, f.start, f.end) for f in stated if f.name == "rating:overall"]
        if service and kq_heading(service):
            service = ""  # "Ratings - Well-led": a key question's ratings (a trust's well-led assessment), no service
        if service:
            if self.facts.add(line_fact("service", service, head)):
                self.facts.rename("rating:overall", "rating:location")  # the header's rating is the location's
            self.service_part = True
        for f in stated:
            self.facts.add(f)
        if stated:
            self.start(("Ratings",))
            self.groups[-1][1].extend(lines[i + 1 : j])
        self.open = False
        return j

    def is_statement(self, i: int) -> bool:
        """A quality statement heading: announced by a contents list, one of CQC's published
        statements, or followed by its "Score: n"."""
        ln = self.lines[i]
        if not title_like(ln, max_words=14) or ln.key == "overview" or rating_of(ln.text):
            return False
        nxt = self.lines[i + 1] if i + 1 < len(self.lines) else None
        return (ln.key in self.announced or statement_kq(ln.text) is not None
                or (nxt is not None and _SCORE_LINE.match(nxt.text) is not None))

    def is_top_heading(self, i: int) -> bool:
        """A short heading line before the first key question ("Our view of the service")."""
        ln = self.lines[i]
        return (title_like(ln, max_words=10) and i + 1 < len(self.lines) and not rating_of(ln.text)
                and not whole_date(ln.text) and not _UPDATED.match(ln.text))

    def sections(self):
        """The non-empty groups as Sections; reading their prose for facts on the way."""
        out = []
        for n, (path, body) in enumerate(self.groups):
            if not body:
                continue
            if path[0] == _PENDING:  # a page whose key question never became clear
                path = ("Assessment", *path[1:])
            out.append(section(path, body))
            self.prose_facts(path, body, n in self.service_groups)
        return out

    def prose_facts(self, path: tuple[str, ...], body: list[Line], service_part: bool) -> None:
        text, facts = self.text, self.facts
        start, end = body[0].start, body[-1].end
        kq = next((k for k, name in KQ_NAMES.items() if name == path[0]), None)
        if len(path) == 1 or (kq and path[1] == "Overview"):
            for fact in prose.part_facts(text, start, end, kq, facts, service_part):
                facts.add(fact)
        # A score stated outside any key question's page belongs to the one key question assessed.
        owner = kq or (self.kqs[0] if len(self.kqs) == 1 else None)
        if owner:
            for value, s, e in prose.scores_in(text, start, end):
                facts.add(Fact(f"score:{owner}", value, s, e))
        if kq and len(path) > 1 and path[1] != "Overview" and (found := prose.statement_score_in(text, start, end)):
            facts.add(Fact(f"statement:{kq}:{path[1]}", *found))


_PENDING = "\x00pending"  # the key question of a page whose heading is missing, until a statement names it
