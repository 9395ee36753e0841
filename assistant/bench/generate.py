"""A deterministic generator of synthetic CQC-style reports, for benchmarks at 1k-1M chunks.

Documents come in the two CQC layouts that ``parse`` recognises: 2024-25
"assessment" pages (one key question, a score out of 100, one heading per quality
statement) and 2023 "inspection" summaries (five key-question ratings, key findings,
areas for improvement, a sign-off). Providers, service types, dates, ratings,
scores, sections and findings vary; findings lean positive or negative with the
report's rating, and Freedom to Speak Up findings take every polarity, so set
questions ("Which providers lacked FTSU awareness?") have real work to do.

Every section is written short enough to be exactly one chunk (well under the
256-token window), so a document's chunk count is known when it is written and
``documents(n)`` yields exactly ``n`` chunks' worth. Report ``i`` depends only on
``(seed, i)``, never on ``n``: a larger corpus extends a smaller one, and report
``n`` is "the next report" for timing an incremental add.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_PREFIX = ("Ash", "Bar", "Brad", "Bright", "Brook", "Burn", "Cal", "Castle", "Chester", "Clay", "Cold", "Crom",
           "Dal", "Dun", "East", "Elm", "Fair", "Fern", "Glen", "Gold", "Grange", "Green", "Hal", "Ham", "Hart",
           "Hazel", "High", "Holm", "Kings", "Lang", "Lark", "Lin", "Long", "Mar", "Mill", "Moor", "Nor", "Oak",
           "Old", "Pen", "Queens", "Red", "Ring", "Rose", "Rother", "Sand", "Shel", "Silver", "Stan", "Stock",
           "Stone", "Sud", "Thorn", "Wal", "Well", "West", "Whit", "Willow", "Wood", "Wren")
_TAIL = ("bury", "by", "combe", "croft", "dale", "den", "don", "field", "ford", "gate", "ham", "hill", "hurst",
         "ington", "leigh", "ley", "mere", "minster", "moor", "ness", "port", "ridge", "stead", "stow", "thorpe",
         "ton", "well", "wick", "wood", "worth")
_FEATURE = ("Park", "Road", "Lane", "Valley", "Green", "Bridge", "Common", "Hill", "Vale", "Square", "Street",
            "Gardens", "Meadow", "Heath", "Court", "Grove", "Cross", "Row", "View", "Fields", "Mount", "Way",
            "Close", "Terrace", "Quay", "Rise", "Walk", "Yard", "Place", "Wharf", "Crescent", "Drive", "End",
            "Gate", "Hollow", "Knoll", "Marsh", "Mill", "Orchard", "Parade", "Reach", "Ridge", "Sands", "Spring",
            "Stray", "Tower", "Vista", "Wold", "Brook", "Chase", "Dene", "Edge", "Fold", "Garth", "Holt", "Ings",
            "Lea", "Nook", "Pastures", "Shaw")
_SERVICES = (  # (service type line, name suffix, share of providers)
    ("GP practice", "Medical Practice", 4), ("GP practice", "Surgery", 2), ("Care home", "Care Home", 3),
    ("Homecare agency", "Home Care", 1), ("NHS hospital", "Hospital", 1), ("Urgent treatment centre", "Urgent Care Centre", 1),
    ("Dental practice", "Dental Practice", 1),
)
_RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_STATEMENTS = {
    "Well-led": ("Shared direction and culture", "Capable, compassionate and inclusive leaders", "Freedom to speak up",
                 "Workforce equality, diversity and inclusion", "Governance, management and sustainability",
                 "Partnerships and communities", "Learning, improvement and innovation"),
    "Safe": ("Learning culture", "Safe systems, pathways and transitions", "Safeguarding",
             "Involving people to manage risks", "Safe environments", "Safe and effective staffing",
             "Infection prevention and control", "Medicines optimisation"),
    "Effective": ("Assessing needs", "Delivering evidence-based care and treatment", "How staff, teams and services work together",
                  "Supporting people to live healthier lives", "Monitoring and improving outcomes", "Consent to care and treatment"),
    "Responsive": ("Person-centred care", "Care provision, integration and continuity", "Providing information",
                   "Listening to and involving people", "Equity in access", "Planning for the future"),
    "Caring": ("Kindness, compassion and dignity", "Treating people as individuals", "Independence, choice and control",
               "Responding to people's immediate needs", "Workforce wellbeing and enablement"),
}
# Finding sentences by theme, each (positive, partial, negative). {n}, {m}, {place}, {month}, {year}
# vary per report so passages are not word-for-word copies.
_FINDINGS = {
    "ftsu": (
        "Staff knew how to contact the freedom to speak up guardian and felt confident to raise concerns.",
        "Not all staff were aware of the Freedom to Speak Up Guardian or how to raise concerns confidentially.",
        "Staff were not aware of the freedom to speak up guardian and did not know how to raise concerns.",
    ),
    "ftsu2": (
        "The FTSU policy was displayed in the staff room and {n} concerns raised in {year} had been acted on.",
        "The FTSU policy had been updated in {month} {year}, but awareness of it was inconsistent across teams.",
        "There was no FTSU policy in place and leaders could not show how staff concerns were handled.",
    ),
    "governance": (
        "Governance systems were effective and leaders had clear oversight of risks, audits and performance.",
        "Governance processes were in place but were not always used consistently to monitor quality.",
        "Governance systems were not effective and leaders did not have oversight of key risks.",
    ),
    "training": (
        "All {m} staff had completed mandatory training, including safeguarding and basic life support.",
        "{n} of {m} staff had completed mandatory training and the remainder were booked on courses.",
        "Records showed that {n} of {m} staff had not completed mandatory training in safeguarding.",
    ),
    "appraisal": (
        "Staff received regular appraisals and clinical supervision that supported their development.",
        "Not all staff had received an annual appraisal in the last {n} months.",
        "Staff had not received appraisals or supervision since {month} {year}.",
    ),
    "complaints": (
        "Complaints were handled promptly, and learning from the {n} complaints received was shared with staff.",
        "Complaints were responded to, but learning from them was not always shared with the team.",
        "The provider could not show how the {n} complaints received in {year} had been investigated.",
    ),
    "safeguarding": (
        "Safeguarding leads were in place and staff understood how to identify and report abuse.",
        "Most staff understood safeguarding procedures, but some were unsure who the safeguarding lead was.",
        "Safeguarding concerns were not always reported and staff were unclear about their responsibilities.",
    ),
    "medicines": (
        "Medicines were stored safely and prescribing audits showed safe and appropriate prescribing.",
        "Medicines were mostly managed safely, but {n} patients on high-risk medicines lacked monitoring.",
        "Medicines were not managed safely and {n} patients had not received required blood test monitoring.",
    ),
    "staffing": (
        "There were enough suitably qualified staff and rotas were planned {n} weeks in advance.",
        "Staffing levels were usually sufficient, although agency staff covered {n} shifts a week.",
        "There were not enough staff to meet people's needs and {n} shifts were left unfilled in {month}.",
    ),
    "ipc": (
        "The premises were clean and infection prevention and control audits were completed every {n} months.",
        "Infection control audits were completed, but actions from the {month} audit were still outstanding.",
        "Infection prevention and control procedures were not followed and the premises were visibly unclean.",
    ),
    "culture": (
        "Leaders promoted an open and inclusive culture, and staff told us they felt valued and supported.",
        "Staff feedback about the culture was mixed, and some staff did not feel listened to.",
        "Staff described a culture of blame and did not feel able to speak openly with leaders.",
    ),
    "partnership": (
        "The service worked closely with the {place} primary care network and local care homes.",
        "The service worked with partners, but meetings with the {place} community team had lapsed.",
        "The provider did not work effectively with partners in {place} to coordinate care.",
    ),
    "access": (
        "People could get appointments when they needed them and {n} per cent were seen within a week.",
        "Access had improved since {month} {year}, but telephone waiting times were still long at peak times.",
        "People could not access care in a timely way and complaints about access had risen by {n} per cent.",
    ),
    "care": (
        "People told us staff treated them with kindness, dignity and respect.",
        "Most people said staff were kind, but some felt rushed during appointments.",
        "People told us they were not always treated with dignity and their privacy was not respected.",
    ),
}
# Which themes each quality statement draws on (the first matching keyword wins; else general themes).
_THEMES_BY_HEADING = (
    ("speak up", ("ftsu", "ftsu2", "culture")), ("governance", ("governance", "training", "appraisal")),
    ("leaders", ("culture", "governance")), ("culture", ("culture", "complaints")),
    ("equality", ("appraisal", "culture")), ("partnership", ("partnership", "access")),
    ("learning", ("complaints", "governance")), ("safeguarding", ("safeguarding", "training")),
    ("medicines", ("medicines",)), ("staffing", ("staffing", "training")), ("infection", ("ipc",)),
    ("access", ("access",)), ("kindness", ("care",)), ("individuals", ("care",)), ("information", ("access",)),
    ("risks", ("medicines", "safeguarding")), ("environment", ("ipc",)), ("wellbeing", ("culture", "appraisal")),
)
_GENERAL = ("care", "access", "partnership", "training", "complaints")
ASSESSMENT_MAX_CHUNKS = 9  # overview + up to 8 quality statements
INSPECTION_CHUNKS = 6  # the page header, ratings, overview, key findings, areas for improvement, sign-off
ASSESSMENT_CHUNKS = 2  # the page header and the overview, before one chunk per quality statement


@dataclass(frozen=True)
class Document:
    """One generated report file and the number of chunks it will make."""

    source: str
    text: str
    chunks: int
    provider: str


def provider_of(i: int) -> int:
    """Report i's provider: four providers to every five reports, so some have an older report too."""
    return (i * 4) // 5


def provider_name(k: int) -> tuple[str, str]:
    """(name, service type) of provider ``k``; unique for k < 108,000."""
    p, t, f = len(_PREFIX), len(_TAIL), len(_FEATURE)
    place = _PREFIX[k % p] + _TAIL[(k // p) % t]
    feature = _FEATURE[(k // (p * t)) % f]
    weights = [w for _, _, w in _SERVICES]
    service, suffix, _ = _SERVICES[random.Random(f"svc{k}").choices(range(len(_SERVICES)), weights)[0]]
    name = f"{place} {feature} {suffix}"
    if k >= p * t * f:
        name += f" {k // (p * t * f) + 1}"
    return name, service


def _fill(rng: random.Random, sentence: str, place: str) -> str:
    m = rng.randint(8, 60)
    return sentence.format(n=rng.randint(2, max(3, m - 1)), m=m, place=place, month=rng.choice(_MONTHS),
                           year=rng.randint(2021, 2024))


def _level(rating: str, rng: random.Random) -> int:
    """0 positive, 1 partial, 2 negative: mostly following the rating."""
    base = {"Outstanding": 0, "Good": 0, "Requires improvement": 1, "Inadequate": 2}[rating]
    return min(2, max(0, base + rng.choice((-1, 0, 0, 0, 1))))


def _themes(heading: str) -> tuple[str, ...]:
    low = heading.lower()
    return next((themes for key, themes in _THEMES_BY_HEADING if key in low), _GENERAL)


def _body(rng: random.Random, heading: str, rating: str, place: str) -> str:
    """Two to four finding sentences on a quality statement: about 40-90 words, one chunk."""
    themes = list(_themes(heading))
    rng.shuffle(themes)
    picked = themes[: rng.randint(1, min(3, len(themes)))]
    extra = [t for t in _GENERAL if t not in picked]
    picked += rng.sample(extra, k=rng.randint(0, 1))
    sentences = [_fill(rng, _FINDINGS[t][_level(rating, rng)], place) for t in picked]
    return " ".join(sentences)


def _date(rng: random.Random) -> tuple[int, str, int]:
    return rng.randint(1, 28), _MONTHS[rng.randrange(12)], rng.randint(2022, 2025)


def _assessment(i: int, rng: random.Random, name: str, service: str, statements: int) -> Document:
    kq = rng.choice(tuple(_STATEMENTS))
    headings = list(_STATEMENTS[kq])
    rng.shuffle(headings)
    headings = headings[:statements]
    day, month, year = _date(rng)
    rating = rng.choices(_RATINGS, (1, 6, 3, 1))[0]
    previous = rng.choices(_RATINGS, (1, 6, 3, 1))[0]
    score = {"Outstanding": rng.randint(88, 100), "Good": rng.randint(63, 87),
             "Requires improvement": rng.randint(39, 62), "Inadequate": rng.randint(10, 38)}[rating]
    place = name.split()[0]
    change = (f"the rating has remained {rating.lower()}" if rating == previous
              else f"the rating has changed to {rating.lower()}")
    lines = [f"- {service}", name, f"Report from {day} {month} {year} assessment", "Contents", "On this page",
             "- Overview", *(f"- {h}" for h in headings), kq,
             f"We carried out an assessment of {len(headings)} quality statements under the {kq} key question.",
             f"At our last assessment, we rated this key question as {previous.lower()}. At this assessment, {change}.",
             f"This service scored {score} (out of 100) for this area."]
    if rating in ("Requires improvement", "Inadequate") and rng.random() < 0.5:
        lines.append("The service was in breach of legal regulation in relation to good governance.")
    for h in headings:
        lines += [h, _body(rng, h, rating, place)]
    source = f"{_slug(name)}-{year}-{_MONTHS.index(month) + 1:02d}-{day:02d}-{i}.txt"
    return Document(source, "\n".join(lines) + "\n", ASSESSMENT_CHUNKS + len(headings), name)


def _inspection(i: int, rng: random.Random, name: str, service: str) -> Document:
    day, month, year = _date(rng)
    overall = rng.choices(_RATINGS, (1, 6, 3, 1))[0]
    kqs = ("safe", "effective", "caring", "responsive", "well-led")
    ratings = [overall if rng.random() < 0.6 else rng.choice(_RATINGS) for _ in kqs]
    previous = rng.choice(_RATINGS).lower()
    place = name.split()[0]
    level = lambda: _level(overall, rng)  # noqa: E731 - a short local helper
    findings = rng.sample(list(_FINDINGS), 3)
    improve = rng.sample([t for t in _FINDINGS if t not in findings], 2)
    lines = [f"{day} {month} {year}", "During a routine inspection", f"This service is rated as {overall} overall.",
             "The key questions are rated as:", *(f"Are services {k}? – {r}" for k, r in zip(kqs, ratings)),
             f"We carried out an announced comprehensive inspection of {name} on {day} {month} {year}. "
             f"The service had previously been rated as {previous} overall.",
             "Our key findings were:", *(f"- {_fill(rng, _FINDINGS[t][level()], place)}" for t in findings),
             "The areas where the service should make improvements are:",
             *(f"- {_fill(rng, _FINDINGS[t][2], place)}" for t in improve),
             "Dr Alex Morgan", "Chief Inspector of Primary Medical Services and Integrated Care"]
    source = f"{_slug(name)}-{year}-{_MONTHS.index(month) + 1:02d}-{day:02d}-{i}.txt"
    return Document(source, "\n".join(lines) + "\n", INSPECTION_CHUNKS, name)


def _slug(name: str) -> str:
    return "-".join(name.lower().split())


def document(i: int, seed: int = 0, max_chunks: int | None = None) -> Document:
    """Report ``i`` of the corpus for ``seed``; at most ``max_chunks`` chunks (for the last one)."""
    rng = random.Random(f"{seed}:{i}")
    name, service = provider_name(provider_of(i))
    inspection = rng.random() < 0.2
    statements = rng.randint(3, 8)
    # No document is smaller than ASSESSMENT_CHUNKS, so never leave 1 chunk for the next one.
    if inspection and (max_chunks is None or (max_chunks >= INSPECTION_CHUNKS and max_chunks - INSPECTION_CHUNKS != 1)):
        return _inspection(i, rng, name, service)
    if max_chunks is not None:
        statements = min(statements, max_chunks - ASSESSMENT_CHUNKS)
        if statements > 0 and max_chunks - ASSESSMENT_CHUNKS - statements == 1:
            statements -= 1
    return _assessment(i, rng, name, service, max(statements, 0))


def documents(n_chunks: int, seed: int = 0) -> Iterator[Document]:
    """Documents whose chunks add up to exactly ``n_chunks`` (at least ``ASSESSMENT_CHUNKS``: every report
    has its page header and an overview)."""
    if 0 < n_chunks < ASSESSMENT_CHUNKS:
        raise ValueError(f"a generated corpus holds at least {ASSESSMENT_CHUNKS} chunks")
    left, i = n_chunks, 0
    while left > 0:
        doc = document(i, seed, max_chunks=left)
        yield doc
        left -= doc.chunks
        i += 1


def write_corpus(folder: Path, n_chunks: int, seed: int = 0) -> list[Document]:
    """Write the documents for ``n_chunks`` chunks into ``folder``; returns them."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = list(documents(n_chunks, seed))
    for doc in docs:
        (folder / doc.source).write_text(doc.text, encoding="utf-8")
    return docs
