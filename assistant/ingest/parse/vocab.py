"""CQC's published vocabulary: ratings, key questions, quality statements, regulations.

These are the fixed names of CQC's framework (the four ratings, the five key questions, the
34 quality statements of the single assessment framework, the fundamental-standards
regulations), not wording taken from any one report.
"""

from __future__ import annotations

import re

from assistant.models import KEY_QUESTIONS
from assistant.text import normalise

RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
NOT_RATED = "Not rated"
RATING_WORDS = r"(?:outstanding|good|requires\s+improvement|inadequate)"
_RATING_OF = {normalise(r): r for r in RATINGS} | {"not rated": NOT_RATED, "no rating": NOT_RATED}

# Display names of the key questions, by the ids in models.KEY_QUESTIONS.
KQ_NAMES = {"safe": "Safe", "effective": "Effective", "caring": "Caring", "responsive": "Responsive",
            "well-led": "Well-led"}
KQ_WORDS = r"(?:safe|effective|caring|responsive|well[- ]led)"
_KQ_HEADING = re.compile(rf"^(?:(?:are|is) (?:the |these |this )?services?(?: at this location)? )?(?P<kq>{KQ_WORDS})\??:?$",
                         re.I)

# The single assessment framework's quality statements, under their key questions.
QUALITY_STATEMENTS = {
    "safe": ("Learning culture", "Safe systems, pathways and transitions", "Safeguarding",
             "Involving people to manage risks", "Safe environments", "Safe and effective staffing",
             "Infection prevention and control", "Medicines optimisation"),
    "effective": ("Assessing needs", "Delivering evidence-based care and treatment",
                  "How staff, teams and services work together", "Supporting people to live healthier lives",
                  "Monitoring and improving outcomes", "Consent to care and treatment"),
    "caring": ("Kindness, compassion and dignity", "Treating people as individuals",
               "Independence, choice and control", "Responding to people's immediate needs",
               "Workforce wellbeing and enablement"),
    "responsive": ("Person-centred care", "Care provision, integration and continuity", "Providing information",
                   "Listening to and involving people", "Equity in access", "Equity in experiences and outcomes",
                   "Planning for the future"),
    "well-led": ("Shared direction and culture", "Capable, compassionate and inclusive leaders",
                 "Freedom to speak up", "Workforce equality, diversity and inclusion",
                 "Governance, management and sustainability", "Partnerships and communities",
                 "Learning, improvement and innovation", "Environmental sustainability - sustainable development"),
}
_STATEMENT_KQ = {normalise(s): kq for kq, names in QUALITY_STATEMENTS.items() for s in names}

# The fundamental standards (Health and Social Care Act 2008 (Regulated Activities) Regulations 2014),
# by the names reports use for them. Used to keep a name such as "safe care and treatment" whole
# when a sentence lists several ("in relation to safe care and treatment, governance and staffing").
REGULATION_NAMES = (
    "person-centred care", "dignity and respect", "need for consent", "safe care and treatment",
    "safeguarding service users from abuse and improper treatment", "meeting nutritional and hydration needs",
    "premises and equipment", "receiving and acting on complaints", "good governance", "staffing",
    "fit and proper persons employed", "duty of candour", "requirement as to display of performance assessments",
)


def rating_of(text: str) -> str | None:
    """A rating in CQC's casing ("Requires improvement", "Not rated") when ``text`` is just one."""
    return _RATING_OF.get(normalise(text).rstrip(".").strip())


def kq_heading(text: str) -> str | None:
    """The key question id when ``text`` names one alone: "Well-led", "Is the service safe?"."""
    m = _KQ_HEADING.match(normalise(text))
    return kq_id(m["kq"]) if m else None


def kq_id(word: str) -> str:
    """"Well led" -> "well-led", "Safe" -> "safe"."""
    key = normalise(word).replace(" ", "-")
    assert key in KEY_QUESTIONS, key
    return key


def statement_kq(name: str) -> str | None:
    """The key question a published quality statement belongs to, or None if ``name`` is not one."""
    return _STATEMENT_KQ.get(normalise(name))
