"""A report's stated values, read by one scheme whichever names the parser gave them.

The parser names facts by the scheme in ``models`` (``rating:<kq>``, ``score:<kq>``,
``previous_rating:<kq>``, ``statement:<kq>:<name>``, ``date:<kind>``). An older parser wrote
``score``, ``rating`` and ``previous_rating`` for the report's one key question (or overall, for an
inspection) and ``date`` for its main date. ``stated`` maps both to ``Stated`` values, so every
answer kind reads values the same way; a fact named by the scheme wins over an old-style one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assistant import vocabulary
from assistant.models import KEY_QUESTIONS, DateRange, Fact, Report
from assistant.vocabulary.dates import overlaps

SCOPED = ("rating", "score", "previous_rating")  # families stated per key question (or overall)
MAIN_DATES = ("report", "assessment", "inspection", "onsite", "published")  # a report's own dates, most telling first


@dataclass(frozen=True)
class Stated:
    """One value a report states: its family ("rating", "score", "date", …), what it is about, and the fact."""

    family: str
    scope: str  # a key question or "overall" (ratings, scores), a date kind, a statement; "" otherwise
    value: str
    fact: Fact

    @property
    def name(self) -> str:
        """The scheme's name for it ("rating:safe", "date:report", "population")."""
        return f"{self.family}:{self.scope}" if self.scope else self.family


def key_question_of(report: Report) -> str | None:
    """The key question a single-key-question report is about ("well-led"), in the scheme's spelling."""
    kq = (report.key_question or "").strip().lower().replace(" ", "-")
    return kq if kq in KEY_QUESTIONS else None


def _canonical(report: Report, fact: Fact) -> tuple[str, str, bool]:
    """(family, scope, named by the scheme) for one fact."""
    family, _, scope = fact.name.partition(":")
    if scope:
        return family, scope, True
    if family in SCOPED:
        return family, key_question_of(report) or "overall", False
    if family == "date":
        return "date", "inspection" if report.layout == "inspection" else "report", False
    return family, "", True


def stated(report: Report) -> tuple[Stated, ...]:
    """Every value the report states, in report order, one per name (the scheme's own name first)."""
    chosen: dict[str, tuple[bool, Stated]] = {}
    for fact in report.facts:
        family, scope, scheme = _canonical(report, fact)
        value = Stated(family, scope, fact.value, fact)
        held = chosen.get(value.name)
        if held is None or (scheme and not held[0]):
            chosen[value.name] = (scheme, value)
    return tuple(sorted((v for _, v in chosen.values()), key=lambda v: v.fact.start))


def stated_all(report: Report) -> tuple[Stated, ...]:
    """Every value the report states, in report order, repeats included (every breach, every town)."""
    return tuple(Stated(*_canonical(report, f)[:2], f.value, f) for f in sorted(report.facts, key=lambda f: f.start))


def find(report: Report, family: str, scope: str | None = None) -> Stated | None:
    """The report's value of ``family`` for ``scope``.

    Without a scope: a rating or previous rating is the overall one (else the report's only one), a
    score the report's only one, a date its main date.
    """
    values = [v for v in stated(report) if v.family == family]
    if scope is not None:
        return next((v for v in values if v.scope == scope), None)
    if not values:
        return None
    if family == "date":
        return next((v for kind in MAIN_DATES for v in values if v.scope == kind), values[0])
    overall = next((v for v in values if v.scope == "overall"), None)
    if overall is not None or family not in SCOPED:
        return overall or values[0]
    return values[0] if len(values) == 1 else None


def per_key_question(report: Report, family: str) -> dict[str, Stated]:
    """The report's ``family`` values by key question (and "overall"), in the order CQC lists them."""
    values = {v.scope: v for v in stated(report) if v.family == family}
    return {kq: values[kq] for kq in ("overall", *KEY_QUESTIONS) if kq in values}


def main_date(report: Report) -> DateRange | None:
    """The report's own date (assessment, inspection or report date), as a range."""
    value = find(report, "date")
    if value is not None:
        try:
            return DateRange.parse(value.value)
        except ValueError:
            pass
    return DateRange(report.date, report.date) if report.date else None


def of_time(reports: Iterable[Report], when: DateRange) -> list[Report]:
    """The ``reports`` whose own date (``main_date``) falls in ``when``, in the order given."""
    return [r for r in reports if (d := main_date(r)) is not None and overlaps(d, when)]


def rating_rank(value: str) -> int | None:
    """0 (inadequate) to 3 (outstanding); None for anything else ("Not rated")."""
    return vocabulary.rating_rank(value)


def score_value(value: str) -> float | None:
    """A score as a number, or None when the value is not one."""
    try:
        return float(value.replace(",", "").strip())
    except ValueError:
        return None
