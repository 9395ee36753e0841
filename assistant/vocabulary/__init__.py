"""CQC's closed vocabulary, in one place, for the parser and the answers alike.

Only language that is closed belongs here: CQC's ratings, its five key questions and 34 quality
statements, the fundamental-standards regulations, the core services a hospital is rated on,
enforcement actions, comparators ("below", "at least"), orderings ("lowest"), months, the
quantifiers and negators that decide how much of a claim holds, the values a question can ask for,
and the politeness around a question. Each list is a data file in ``assistant/data/vocabulary/``;
this module only loads them and matches them as whole words. Nothing here names any one report's
wording: what a question *means* is read by the embedding model (``assistant/answer/kinds.py``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.models import KEY_QUESTIONS
from assistant.text import normalise

_DATA = "data/vocabulary"


def _rows(name: str) -> list[list[str]]:
    """The tab-separated rows of a vocabulary file (comments and blank lines left out)."""
    text = resources.files("assistant").joinpath(f"{_DATA}/{name}").read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _alternatives(cell: str) -> list[str]:
    return [a.strip() for a in cell.split("|") if a.strip()]


@dataclass(frozen=True)
class Match:
    """One vocabulary entry found in a text: its canonical value and where it was said."""

    value: str
    start: int
    end: int
    said: str


class Phrases:
    """Canonical values, each with the phrases that say it, matched as whole words (longest phrase first)."""

    def __init__(self, entries: list[tuple[str, list[str]]]):
        self._value: dict[str, str] = {}
        said: dict[str, str] = {}
        for value, phrases in entries:
            for p in phrases:
                self._value.setdefault(_key(p), value)
                said.setdefault(_key(p), " ".join(p.lower().split()))
        ordered = sorted(said.values(), key=len, reverse=True)
        body = "|".join(_phrase_pattern(p) for p in ordered)
        self._pattern = re.compile(rf"(?<![\w&-])(?:{body})(?![\w&])", re.I) if ordered else None

    def find(self, text: str) -> list[Match]:
        """Every entry said in ``text``, in order, none overlapping."""
        if self._pattern is None:
            return []
        return [Match(self._value[_key(m.group(0))], m.start(), m.end(), m.group(0)) for m in self._pattern.finditer(text)]

    def first(self, text: str) -> Match | None:
        found = self.find(text)
        return found[0] if found else None

    def values(self, text: str) -> list[str]:
        """The canonical values said in ``text``, each once, in order of first mention."""
        return list(dict.fromkeys(m.value for m in self.find(text)))

    def __contains__(self, phrase: str) -> bool:
        return _key(phrase) in self._value


def _key(phrase: str) -> str:
    # Spaces, hyphens and apostrophes may be typed or not ("well-led", "well led", "wellled"): keys ignore them.
    return re.sub(r"[\s'’-]+", "", normalise(phrase))


def _phrase_pattern(phrase: str) -> str:
    # Spaces match any run of whitespace; an apostrophe either kind; a hyphen a hyphen, a space or nothing.
    out = []
    for ch in phrase:
        if ch == " ":
            out.append(r"\s+")
        elif ch in "'’":
            out.append("['’]")
        elif ch == "-":
            out.append(r"[-\s]?")
        else:
            out.append(re.escape(ch))
    return "".join(out)


# -- ratings -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _rating_rows() -> list[tuple[str, list[str]]]:
    return [(r[0], _alternatives(r[1])) for r in _rows("ratings.tsv")]


RATINGS_WORST_FIRST: tuple[str, ...] = tuple(r for r, _ in _rating_rows())
RATINGS: tuple[str, ...] = tuple(reversed(RATINGS_WORST_FIRST))  # best first, as CQC lists them
NOT_RATED = "Not rated"
# The four ratings as a report writes them (not the abbreviations a question may use).
RATING_WORDS = r"(?:" + "|".join(_phrase_pattern(r.lower()).replace(r"\s+", r"\s+") for r in RATINGS) + ")"
_RATING_OF = {normalise(r): r for r in RATINGS} | {"not rated": NOT_RATED, "no rating": NOT_RATED}
# The ratings as report prose may also state them, as verbs ("safe and responsive required improvement"):
# the variants of ratings.tsv that are whole words (not a question's abbreviations, "RI", "req imp").
_SAID = {normalise(v): r for r, variants in _rating_rows() for v in variants
         if all(len(w) >= 4 for w in v.split())}
RATING_SAID = r"(?:" + "|".join(_phrase_pattern(v) for v in sorted(_SAID, key=len, reverse=True)) + ")"
_RATING_OF.update({k: v for k, v in _SAID.items() if k not in _RATING_OF})


def rating_of(text: str) -> str | None:
    """A rating in CQC's casing ("Requires improvement", "Not rated") when ``text`` is just one."""
    return _RATING_OF.get(normalise(text).rstrip(".").strip())


@lru_cache(maxsize=1)
def rating_phrases() -> Phrases:
    """The ratings and the words questions use for them ("req imp", "RI")."""
    return Phrases(_rating_rows())


def rating_rank(value: str) -> int | None:
    """0 (inadequate) to 3 (outstanding); None for anything else ("Not rated")."""
    got = rating_of(value)
    return RATINGS_WORST_FIRST.index(got) if got in RATINGS_WORST_FIRST else None


# A value verb before a rating says the rating is the value asked about ("rated good", "got good"); a rating
# word before a noun of the topic is an adjective ("good infection control").
_VALUE_VERB = re.compile(r"\b(?:rated|rating|ratings|scored|score|graded|got|get|gets|received|achieved|given|is|was|"
                         r"were|are|be|been|as|with|of|at)\s*$", re.I)
_AFTER_VALUE = re.compile(r"^\s*(?:$|[?.!,;:]|for\b|overall\b|or\b|and\b|in\b|at\b|on\b|rating|by\b|across\b|"
                          r"(?:safe|effective|caring|responsive|well[- ]led)\b)", re.I)


def rating_as_value(text: str) -> bool:
    """Whether a rating word in ``text`` stands as a value ("rated good", "good for safe", "RI or worse"), not as
    an adjective of the topic ("good infection control", "outstanding practice")."""
    return any(_VALUE_VERB.search(text[:m.start]) or _AFTER_VALUE.match(text[m.end:])
               for m in rating_phrases().find(text))


# -- key questions and quality statements -------------------------------------------------------

@lru_cache(maxsize=1)
def _kq_rows() -> list[list[str]]:
    return _rows("key_questions.tsv")


KQ_NAMES: dict[str, str] = {r[0]: r[1] for r in _kq_rows()}  # id -> display name ("well-led" -> "Well-led")
assert tuple(KQ_NAMES) == KEY_QUESTIONS, "key_questions.tsv must list CQC's five key questions in order"
KQ_WORDS = r"(?:safe|effective|caring|responsive|well[- ]led)"
_KQ_HEADING = re.compile(rf"^(?:(?:are|is) (?:the |these |this )?services?(?: at this location)? )?(?P<kq>{KQ_WORDS})\??:?$",
                         re.I)


@lru_cache(maxsize=1)
def key_question_phrases() -> Phrases:
    """The key questions and the words a question uses for them ("safety" -> safe, "leadership" -> well-led)."""
    return Phrases([(r[0], _alternatives(r[2])) for r in _kq_rows()])


def kq_heading(text: str) -> str | None:
    """The key question id when ``text`` names one alone: "Well-led", "Is the service safe?"."""
    m = _KQ_HEADING.match(normalise(text))
    return kq_id(m["kq"]) if m else None


def kq_id(word: str) -> str:
    """"Well led" -> "well-led", "Safe" -> "safe"."""
    key = normalise(word).replace(" ", "-")
    if key not in KEY_QUESTIONS:
        raise ValueError(f"not a key question: {word!r}")
    return key


@lru_cache(maxsize=1)
def _statements() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {kq: [] for kq in KEY_QUESTIONS}
    for kq, name in _rows("quality_statements.tsv"):
        out[kq].append(name)
    return {kq: tuple(v) for kq, v in out.items()}


QUALITY_STATEMENTS: dict[str, tuple[str, ...]] = _statements()
_STATEMENT_KQ = {normalise(s): kq for kq, names in QUALITY_STATEMENTS.items() for s in names}


def statement_kq(name: str) -> str | None:
    """The key question a published quality statement belongs to, or None if ``name`` is not one."""
    return _STATEMENT_KQ.get(normalise(name))


@lru_cache(maxsize=1)
def statement_phrases() -> Phrases:
    """The quality statements by name, for finding them in a question."""
    return Phrases([(s, [s]) for names in QUALITY_STATEMENTS.values() for s in names])


# -- regulations ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _regulation_rows() -> list[list[str]]:
    return [r + [""] * (3 - len(r)) for r in _rows("regulations.tsv")]


REGULATIONS: dict[str, str] = {r[0]: r[1] for r in _regulation_rows()}  # "12" -> "Safe care and treatment"
# The names reports use, lower case: keeps "safe care and treatment" whole in a list of several.
REGULATION_NAMES: tuple[str, ...] = tuple(r[1].lower() for r in _regulation_rows())


@lru_cache(maxsize=1)
def regulation_phrases() -> Phrases:
    """Regulations by name ("good governance" -> "17")."""
    return Phrases([(r[0], [r[1], *_alternatives(r[2])]) for r in _regulation_rows()])


_NAMED = r"(?:\s*\([^()]{0,60}\))?"  # a regulation's name in brackets after its number: "12 (safe care and treatment)"
_REGULATION_NUMBER = re.compile(rf"\breg(?:ulation)?s?\.?\s+(\d{{1,2}}[a-z]?\b{_NAMED}(?:\s*(?:,|and|or|&)\s*\d{{1,2}}[a-z]?\b{_NAMED})*)",
                                re.I)


def regulation_numbers(text: str) -> list[str]:
    """The regulation numbers ``text`` names ("Regulation 12", "regs 12 and 17", "regulation 12 (safe care and
    treatment) and 17 (good governance)"), in order. Two digits at most: "Regulations 2014" is the year of
    the regulations, not a regulation."""
    out = []
    for m in _REGULATION_NUMBER.finditer(text):
        numbers = re.sub(r"\([^()]*\)", " ", m.group(1))
        out += [n.upper() if n[-1:].isalpha() else n for n in re.findall(r"\d{1,2}[a-z]?", numbers, re.I)]
    return list(dict.fromkeys(out))


# -- services, fields, enforcement, comparators, orderings -------------------------------------

@lru_cache(maxsize=1)
def service_phrases() -> Phrases:
    """Core services a hospital is rated on, and the words questions use for them ("A&E", "maternity")."""
    return Phrases([(r[0], [r[0], *_alternatives(r[1])]) for r in _rows("services.tsv")])


@lru_cache(maxsize=1)
def field_phrases() -> Phrases:
    """The values a question can ask for ("score", "capacity", "provider", …) and the words that ask."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("fields.tsv")])


FIELDS: tuple[str, ...] = tuple(r[0] for r in _rows("fields.tsv"))


@lru_cache(maxsize=1)
def enforcement_phrases() -> Phrases:
    """Enforcement actions ("warning notice", "special measures") and the phrases that state them."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("enforcement.tsv")])


@lru_cache(maxsize=1)
def enforcement_actions() -> frozenset[str]:
    """The actions of enforcement.tsv that are CQC enforcement (not a requirement notice)."""
    return frozenset(r[0] for r in _rows("enforcement.tsv") if len(r) < 3 or r[2].strip() == "enforcement")


@lru_cache(maxsize=1)
def comparator_phrases() -> Phrases:
    """Comparators: lt, le, gt, ge, eq."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("comparators.tsv")])


@lru_cache(maxsize=1)
def order_phrases() -> Phrases:
    """Orderings across providers: min, max, rank, compare."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("order.tsv")])


@dataclass(frozen=True)
class Condition:
    """A condition on a stated value: ``op`` (lt, le, gt, ge, eq) against a number or a rating."""

    op: str
    threshold: str  # "60", or a rating in CQC's casing
    start: int
    end: int

    def holds(self, value: str) -> bool:
        """Whether a stated value (a score or a rating) meets the condition."""
        got: float | None
        want: float | None
        if self.threshold[:1].isdigit():
            try:
                got, want = float(value.replace(",", "")), float(self.threshold)
            except ValueError:
                return False
        else:
            got, want = rating_rank(value), rating_rank(self.threshold)
            if got is None or want is None:
                return False
        return {"lt": got < want, "le": got <= want, "gt": got > want, "ge": got >= want, "eq": got == want}[self.op]


_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\s*(?:/|out of)\s*100|\s*%|\s+points?)?(?![\w.]|,\d)")


def condition_in(text: str) -> Condition | None:
    """The condition a question puts on a value: "scored below 60" (lt 60), "75 or more" (ge 75), "rated
    good or better" (ge Good), "rated good" (eq Good). None when it names no number or rating to compare."""
    plus = re.search(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)\s*\+", text)  # "3+": at least 3
    if plus:
        return Condition("ge", plus.group(1).replace(",", ""), plus.start(), plus.end())
    comparators = comparator_phrases().find(text)
    targets = [(m.start(), m.end(), m.group(1).replace(",", "")) for m in _NUMBER.finditer(text)
               if not re.fullmatch(r"(?:19|20)\d\d", m.group(1))]  # a year is a time, not a threshold
    targets += [(m.start, m.end, m.value) for m in rating_phrases().find(text)]
    if not targets:
        return None
    targets.sort()
    for c in comparators:
        # "below 60" (the comparator before the target) or "60 or below" (after it, within a few characters).
        after = [t for t in targets if 0 <= t[0] - c.end <= 12]
        before = [t for t in targets if 0 <= c.start - t[1] <= 3]
        if c.said.lower().startswith(("or ", "and ")) and before:
            t = before[-1]
            return Condition(c.value, t[2], t[0], c.end)
        if after:
            t = after[0]
            return Condition(c.value, t[2], c.start, t[1])
    start, end, value = targets[0]
    return Condition("eq", value, start, end)


# -- rating changes, measures and places ---------------------------------------------------------

@lru_cache(maxsize=1)
def change_phrases() -> Phrases:
    """How a report says a rating changed: improved, declined, remained, or changed (the direction left to
    the two ratings stated)."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("changes.tsv")])


@lru_cache(maxsize=1)
def stated_phrases() -> dict[str, Phrases]:
    """The cues by which a report states a measure of the service or an action taken, by kind (see
    stated.tsv): people, capacity, beds, using, at_the_time, engaged, registered_patients, population,
    manager, manager_required, action_taken."""
    return {r[0]: Phrases([(r[0], _alternatives(r[1]))]) for r in _rows("stated.tsv")}


def stated(kind: str) -> Phrases:
    """One kind of stated.tsv's cues."""
    return stated_phrases()[kind]


@lru_cache(maxsize=1)
def _number_words() -> dict[str, int]:
    out: dict[str, int] = {}
    for value, cell in _rows("numbers.tsv"):
        for word in _alternatives(cell):
            out[normalise(word)] = int(value)
    return out


@lru_cache(maxsize=1)
def number_words() -> frozenset[str]:
    """The single words of numbers.tsv ("thirty", "four"), to tell quickly whether a text may hold a count."""
    return frozenset(w for phrase in _number_words() for w in phrase.split())


_NUMBER_WORD = None


def number_pattern() -> str:
    """A regular expression for a count as reports write it: "34", "6,000", "thirty four", "thirty-four"."""
    global _NUMBER_WORD
    if _NUMBER_WORD is None:
        words = sorted(_number_words(), key=len, reverse=True)
        word = "(?:" + "|".join(_phrase_pattern(w) for w in words) + ")"
        _NUMBER_WORD = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{word}(?:[\s-]+{word}){{0,3}})"
    return _NUMBER_WORD


def number_value(said: str) -> int | None:
    """The value of a count as written: "6,000" -> 6000, "Thirty four" -> 34, "two hundred" -> 200."""
    said = said.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", said):
        return int(said.replace(",", ""))
    total, words = 0, _number_words()
    for part in re.split(r"[\s-]+", normalise(said)):
        if part == "and":
            continue
        if part not in words:
            return None
        value = words[part]
        total = (total or 1) * 100 if value == 100 else total + value
    return total


@lru_cache(maxsize=1)
def _places() -> dict[str, Phrases]:
    return {r[0]: Phrases([(r[0], _alternatives(r[1]))]) for r in _rows("places.tsv")}


def is_county(part: str) -> bool:
    """Whether an address part is a county ("Hampshire", "South Humberside"), not a town."""
    m = _places()["county"].first(part)
    return m is not None and m.start == 0 and m.end == len(part.strip())


def names_a_street_or_building(part: str) -> bool:
    """Whether an address part names a street or a building ("Studley Road", "Capital Tower"): its last
    word (or words) is one of places.tsv's street or building words."""
    part = part.strip()
    for kind in ("street", "building"):
        for m in _places()[kind].find(part):
            rest = part[m.end :].strip()
            qualified = rest and (q := _places()["qualifier"].first(rest)) is not None and q.start == 0 and q.end == len(rest)
            if not rest or qualified or kind == "building" and rest[:1].isdigit():
                return True
    return False


# -- quantifiers and negation ------------------------------------------------------------------

@lru_cache(maxsize=1)
def quantifier_phrases() -> Phrases:
    """Quantifier classes: none, some, all, negator, not_negating (see quantifiers.tsv)."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("quantifiers.tsv")])


# -- framing -----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def framing_phrases() -> Phrases:
    """Politeness and framing that asks nothing itself ("can you tell me", "I'd like to know")."""
    return Phrases([("framing", [r[0] for r in _rows("framing.tsv")])])


def strip_framing(text: str) -> str:
    """``text`` without its politeness and framing ("Can you tell me when X was inspected?" -> "when X was
    inspected?"), and without the punctuation that joined them."""
    out = text
    for m in reversed(framing_phrases().find(text)):
        out = out[:m.start] + " " + out[m.end:]
    out = re.sub(r"^[\s,:;.!-]+", "", " ".join(out.split()))
    return out[:1].upper() + out[1:] if out and text[:1].isupper() else out


# -- months ------------------------------------------------------------------------------------

MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
MONTH_WORDS = "|".join(sorted(MONTHS, key=len, reverse=True))


# -- organisation words in provider names --------------------------------------------------------

@lru_cache(maxsize=1)
def organisation_families() -> dict[str, str]:
    """Each word (or phrase) of organisations.tsv -> its family ("surgery" -> "gp", "the" -> "generic")."""
    out: dict[str, str] = {}
    for family, cell in _rows("organisations.tsv"):
        for phrase in _alternatives(cell):
            out.setdefault(_key(phrase), family)
    return out


def organisation_family(word: str) -> str | None:
    """The family of an organisation word ("hospital" -> "hospital"), "generic" for a word that fits any,
    None for a word that is no organisation word (it may name a provider: "Iridium")."""
    return organisation_families().get(_key(word))


@lru_cache(maxsize=1)
def question_forms() -> Phrases:
    """Closed question forms: count ("how many"), figure, frequency ("how often"), affirm ("yes")."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("question_forms.tsv")])


def asks(form: str, text: str) -> bool:
    """Whether ``text`` uses a question form of ``form`` ("count", "figure", "frequency")."""
    return any(m.value == form for m in _form_matches(form, text))


def _form_matches(form: str, text: str) -> list[Match]:
    # Phrases map to one value each; the same phrase in two forms ("how many": count and figure) is looked
    # up per form.
    return [m for m in _form_phrases(form).find(text)]


@lru_cache(maxsize=8)
def _form_phrases(form: str) -> Phrases:
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("question_forms.tsv") if r[0] == form])


def affirms(text: str) -> bool:
    """Whether a turn is nothing but a yes ("yes", "yes please", "that one")."""
    plain = re.sub(r"[^\w\s']", " ", text).strip()
    return bool(plain) and any(m.start == 0 and m.end == len(plain) for m in _form_phrases("affirm").find(plain))


@lru_cache(maxsize=1)
def method_phrases() -> Phrases:
    """How reports say what an inspection looked at (method), or did not (scope), and the verbs of a finding."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _rows("method.tsv")])


def says_only_method(sentence: str) -> bool:
    """Whether a sentence only says what inspectors looked at or left out ("We did not look at person-centred
    care during this assessment", "We looked for evidence that …"), not what they found."""
    found = method_phrases().find(sentence)
    lead = next((m for m in found if m.value in ("method", "scope")), None)
    if lead is None:
        return False
    if lead.value == "scope":
        return True
    return not any(m.value == "found" and m.start >= lead.end for m in found)


def quantities(text: str) -> list[Match]:
    """The quantifiers and negators of ``text`` (``quantifier_phrases``), with the look-alikes that do not negate
    ("not only", "without fear") as their own class."""
    return quantifier_phrases().find(text)


@lru_cache(maxsize=1)
def _service_type_rows() -> list[list[str]]:
    return _rows("service_types.tsv")


@lru_cache(maxsize=1)
def service_type_phrases() -> Phrases:
    """Kinds of service a question over many providers names ("care homes", "GP practices")."""
    return Phrases([(r[0], _alternatives(r[1])) for r in _service_type_rows()])


def service_type_words(kind: str) -> tuple[str, ...]:
    """The words that mark a kind of service in a report's service type ("care home", "nursing home")."""
    return next((tuple(_alternatives(r[2])) for r in _service_type_rows() if r[0] == kind), ())
