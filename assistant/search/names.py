"""Which providers a question names, and which names it uses that no provider has.

A question names a location by its title, an alias, its registered provider ("Provided and run by")
or its town, in full or by the words that identify it ("Iridium", "the Countesthorpe care home").
A name word identifies a provider when it is no organisation word (``vocabulary.organisation_family``)
and few providers share it. Around the words that matched, the question's own name is read as a
span: if it says something the provider's names do not ("Iridium *Dental* Practice" when the index
holds Iridium *Medical* Practice, or "Iridium *Hospital*"), it names another place, which the index
does not hold. A misspelt name word ("Kiderminster") matches no name exactly; it is reported as an
unknown name with the provider it is closest to, never silently taken for it. A name-shaped span
("Sunnyview Care Home": capitalised words ending in an organisation word) that matches nobody is
unknown too.

Fuzzy matching is rapidfuzz's, run only on question words the reports never use, so a question
costs a few dictionary look-ups at 10k providers.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from assistant import vocabulary

_TOKEN = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)?|&")
_SHORT_NAME = re.compile(r"(?=.*\d)(?=.*[a-z])[a-z0-9]+")  # "4u" in Care 4U Services: letters with digits
_STOP = frozenset("a an the of and or to in on at for by with from is was were are be been what which who how when "
                  "did does do has have had it its their they them this that these those about me my i you your "
                  "s any all any some there here why whose whom out up off into onto over not no than as so but if"
                  .split())
_Token = tuple[str, int, int]  # a question word and its offsets
FUZZY_CUTOFF = 85  # rapidfuzz ratio for a misspelt name word ("kiderminster" ~ "kidderminster": 96)
SUGGEST_CUTOFF = 72  # rapidfuzz WRatio for suggesting a provider for an unknown name


@dataclass(frozen=True)
class Mention:
    """Where a question names providers, and how: "name", "alias", "registered" (provider) or "town"."""

    start: int
    end: int
    said: str
    providers: tuple[str, ...]
    how: str


@dataclass(frozen=True)
class Unknown:
    """A name the question uses that no provider in the index has, and the nearest one if any is close."""

    start: int
    end: int
    said: str
    suggestion: str | None


@dataclass(frozen=True)
class Naming:
    """What a question names."""

    mentions: tuple[Mention, ...] = ()
    unknown: tuple[Unknown, ...] = ()

    @property
    def providers(self) -> tuple[str, ...]:
        """Every provider named, in order of first mention."""
        return tuple(dict.fromkeys(p for m in self.mentions for p in m.providers))

    def places(self) -> int:
        """How many places the question names: mentions that overlap, touch or name the same provider (a
        location and its registered provider, "Central Middlesex UTC run by Greenbrook") are one place; a
        name that could be several providers ("St Andrew's") is one place too."""
        groups: list[tuple[int, int, set[str]]] = []
        for m in sorted(self.mentions, key=lambda m: m.start):
            for i, (s, e, ps) in enumerate(groups):
                if m.start <= e + 1 and m.end >= s - 1 or ps & set(m.providers):
                    groups[i] = (min(s, m.start), max(e, m.end), ps | set(m.providers))
                    break
            else:
                groups.append((m.start, m.end, set(m.providers)))
        return len(groups) + len(self.unknown)

    def spans(self) -> list[tuple[int, int]]:
        """Where the question names someone, known or not (for reading the rest of it)."""
        return sorted([(m.start, m.end) for m in self.mentions] + [(u.start, u.end) for u in self.unknown])


@dataclass(frozen=True)
class _Name:
    key: str  # the provider's key
    display: str  # the provider's display name
    tokens: tuple[str, ...]
    how: str


class NameIndex:
    """Every name of every provider (title, aliases, registered provider, towns), word by word."""

    def __init__(self, names: Iterable[tuple[str, str, str, str]]):
        """``names``: (provider key, provider display name, a name it goes by, how: name|alias|registered|town)."""
        self.names: list[_Name] = []
        self.by_word: dict[str, set[int]] = defaultdict(set)
        self.by_key: dict[str, list[int]] = defaultdict(list)
        owners: dict[str, set[str]] = defaultdict(set)
        self.displays: dict[str, str] = {}
        for key, display, name, how in _with_initials(names):
            tokens = tuple(_TOKEN.findall(_plain(name)))
            if not tokens:
                continue
            i = len(self.names)
            self.names.append(_Name(key, display, tokens, how))
            self.displays[key] = display
            self.by_key[key].append(i)
            # "Ivy&Sage" is also written "Ivy & Sage": its parts are name words too.
            for word in set(tokens) | {part for t in tokens if "&" in t for part in t.split("&") if part}:
                self.by_word[word].add(i)
                owners[word].add(key)
        n = max(len(self.displays), 1)
        # A word shared by a handful of providers still names them (all of them: the answer covers each);
        # one shared by many ("Royal", a county) names none.
        limit = max(5, math.ceil(0.002 * n))
        self.weight: dict[str, float] = {}
        for word, keys in owners.items():
            if vocabulary.organisation_family(word) is not None or word in _STOP:
                continue
            if word.endswith("s") and vocabulary.organisation_family(word[:-1]) is not None:
                continue  # "centres", "homes": an organisation word still
            if len(word) < 3 and not _SHORT_NAME.fullmatch(word):
                continue
            if len(keys) <= limit:
                self.weight[word] = math.log(1 + n / len(keys))
        self._distinctive = sorted(self.weight)
        self._all_names = [nm.tokens for nm in self.names]

    # -- finding names in a question ------------------------------------------------------------

    def find(self, question: str, known: Callable[[str], bool] = lambda w: False,
             common: Callable[[str], bool] = lambda w: False) -> Naming:
        """The providers ``question`` names, and the names it uses that match no provider.

        ``known(word)``: whether the reports use ``word`` (a misspelt name is looked for only among words
        they never use, so "safty" is never taken for a name). ``common(word)``: whether the reports use it
        widely as an ordinary word ("access", "dignity"): such a name word names its provider only when it
        is written as a name (capitalised, not the question's first word) or beside another of its words."""
        text = _plain(question)
        tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        words = [t for t, _, _ in tokens]
        capital = [question[s:s + 1].isupper() or question[s:s + 1].isdigit() for _, s, _ in tokens]
        exact: dict[int, str] = {}  # token position -> the name word it is
        fuzzy: dict[int, str] = {}
        for i, w in enumerate(words):
            base = w if w in self.weight else (w[:-1] if w.endswith("s") and w[:-1] in self.weight else None)
            if base is not None:
                exact[i] = base
            elif len(w) >= 5 and not known(w) and w not in _STOP and vocabulary.organisation_family(w) is None:
                near = self._near(w)
                if near:
                    fuzzy[i] = near
        # A name word the reports use widely as an ordinary word ("access", "calls"), written in lower case and
        # alone (no other word of that name beside it), is that ordinary word: "late calls" names no Drovers Call.
        plain = [i for i, w in exact.items() if common(w) and not (capital[i] and i > 0)
                 and not self._beside_own_words(words, i, w, _date_word)]
        for i in plain:
            del exact[i]
        # A word of the closed vocabulary ("safe" in Safe Hands Home Care) names a provider only beside another
        # word of its name, whatever its case: "Which service scored lowest for safe?" names no one.
        for i in [i for i, w in exact.items() if _vocabulary_word(w) and not self._in_name_order(words, i, w)]:
            del exact[i]
        # So does a number or a month ("2018", "50", "April": a date or a count in the question), and the word
        # beside it must be one that could name on its own: not another date word, not an ordinary word.
        for i in [i for i, w in exact.items() if _date_word(w) and not self._beside_own_words(
                words, i, w, lambda x: _date_word(x) or common(x))]:
            del exact[i]
        mentions, claimed, conflicted = self._named(question, tokens, words, capital, exact)
        # A name word whose provider lost to another named more fully is no unknown name; one whose provider
        # was dropped because the question's name says something else is.
        unknown = self._unknown(question, tokens, words, capital, {i: w for i, w in exact.items() if i in conflicted},
                                fuzzy, claimed)
        return Naming(tuple(mentions), tuple(unknown))

    def _beside_own_words(self, words: list[str], i: int, word: str,
                          unless: Callable[[str], bool] = lambda w: False) -> bool:
        """Whether the word at ``i`` has another word of one of its names right beside it ("new royal liverpool");
        a neighbour for which ``unless`` holds does not count."""
        # Only words that could name something: not "s" of "women's", not "the".
        near = {w for w in (words[i - 1] if i else "", words[i + 1] if i + 1 < len(words) else "")
                if len(w) > 1 and w not in _STOP and not unless(w)}
        return any(near & set(self.names[n].tokens) - {word} for n in self.by_word[word])

    def _in_name_order(self, words: list[str], i: int, word: str) -> bool:
        """Whether the word at ``i`` is written as in one of its names, with the word that comes before or after
        it there ("Safe Hands", not "… care safe" or "Is Safe Hands safe?"'s second "safe")."""
        for n in self.by_word[word]:
            tokens = self.names[n].tokens
            for k, t in enumerate(tokens):
                if t != word:
                    continue
                if i + 1 < len(words) and k + 1 < len(tokens) and words[i + 1] == tokens[k + 1]:
                    return True
                if i > 0 and k > 0 and words[i - 1] == tokens[k - 1]:
                    return True
        return False

    def _near(self, word: str) -> str | None:
        from rapidfuzz import fuzz, process

        got = process.extractOne(word, self._distinctive, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return got[0] if got else None

    def _named(self, question: str, tokens: list[_Token], words: list[str], capital: list[bool],
               exact: dict[int, str]) -> tuple[list[Mention], set[int], set[int]]:
        """Mentions of providers by their distinctive words; a name written out in full claims its words."""
        scores: dict[str, float] = defaultdict(float)
        hows: dict[str, str] = {}
        spans: dict[str, list[int]] = defaultdict(list)
        full: dict[str, tuple[int, int]] = {}  # key -> (first, last) token of a name written in full
        for i, word in exact.items():
            for n in self.by_word[word]:
                nm = self.names[n]
                j = _aligned(words, i, nm.tokens)
                if j is not None:
                    full.setdefault(nm.key, j)
                    hows.setdefault(nm.key, nm.how)
        # A name with no word of its own ("London Ambulance Service Headquarters": London and ambulance are
        # shared by many) is named by writing most of it: a run of two thirds of its words, a place word
        # among them.
        for i, w in enumerate(words):
            if w in self.weight or w in _STOP or vocabulary.organisation_family(w) is not None:
                continue
            for n in list(self.by_word.get(w, ()))[:500]:
                nm = self.names[n]
                if nm.how == "town" or nm.key in full:
                    continue
                j = _partial(words, i, nm.tokens)
                if j is not None:
                    full[nm.key] = j
                    hows.setdefault(nm.key, nm.how)
        taken = {k for a, b in full.values() for k in range(a, b + 1)}
        for i, word in exact.items():
            owners = {self.names[n].key for n in self.by_word[word]}
            in_full = {k for k, (a, b) in full.items() if a <= i <= b}
            for key in owners:
                if i in taken and key not in in_full:
                    continue  # "Liverpool" inside another provider's full name does not name this one
                scores[key] += self.weight[word]
                spans[key].append(i)
                if key not in hows:
                    hows[key] = next(self.names[n].how for n in self.by_word[word] if self.names[n].key == key)
        if not scores and not full:
            return [], set(), set()
        best = max(scores.values(), default=0.0)
        keep = {k for k, s in scores.items() if s >= 0.5 * best} | set(full)
        # Providers named by the same words ("George" in "St George's"): those whose name the question
        # writes out further ("St George's …" over "King George's …") are the ones meant.
        groups: dict[frozenset[int], list[str]] = defaultdict(list)
        for key in keep:
            groups[frozenset(spans[key])].append(key)
        for group in groups.values():
            runs = {k: max(_run(words, nm.tokens) for nm in self._names_of(k)) for k in group}
            longest = max(runs.values())
            keep -= {k for k in group if runs[k] < longest and k not in full}
        mentions: list[Mention] = []
        claimed: set[int] = set()
        conflicted: set[int] = set()
        for key in sorted(keep, key=lambda k: min(spans[k] or [full[k][0]])):
            positions = sorted(set(range(full[key][0], full[key][1] + 1)) if key in full else set(spans[key]))
            for cluster in _clusters(positions):
                a, b = self._extend(words, capital, cluster[0], cluster[-1], key)
                if self._conflict(words[a:b + 1], key):
                    conflicted.update(cluster)
                    continue  # here the question names another place that shares a word with this one
                claimed.update(range(a, b + 1))
                start, end = tokens[a][1], tokens[b][2]
                mentions.append(Mention(start, end, question[start:end], (self.displays[key],), hows.get(key, "name")))
        return _outermost(_merge(mentions)), claimed, conflicted

    def _names_of(self, key: str) -> list[_Name]:
        return [self.names[i] for i in self.by_key.get(key, ())]

    def _extend(self, words: list[str], capital: list[bool], a: int, b: int, key: str | None) -> tuple[int, int]:
        """Widen a matched run to the question's own name: following words of the provider's names,
        organisation words, and capitalised words that lead to an organisation word ("Iridium Dental Practice")."""
        own = {t for nm in self._names_of(key) for t in nm.tokens} if key else set()
        i = b + 1
        while i < len(words) and i <= b + 3:
            w = words[i]
            if _vocabulary_word(w) and (w not in own or w in words[a:b + 1]):
                break  # "Poole Hospital surgery", "Is Safe Hands safe?": a service or key question, not the name
            if w in own or vocabulary.organisation_family(w) not in (None, "generic"):
                b = i
            elif capital[i] and not _vocabulary_word(w) and w not in _STOP \
                    and any(vocabulary.organisation_family(x) not in (None, "generic") for x in words[i + 1:i + 3]):
                b = i
            else:
                break
            i += 1
        while a > 0 and words[a - 1] in own and words[a - 1] not in _STOP:
            a -= 1
        return a, b

    def _conflict(self, span: list[str], key: str) -> bool:
        """Whether the question's name says something none of the provider's names says: a word of its own
        ("Dental" in "Iridium Dental Practice") or an organisation of another family ("Iridium Hospital")."""
        names = self._names_of(key)
        own = {t for nm in names for t in nm.tokens}
        families = {vocabulary.organisation_family(t) for t in own} - {None, "generic"}
        for w in span:
            if w in own or w in _STOP or (w.endswith("s") and w[:-1] in own) or _vocabulary_word(w):
                continue
            family = vocabulary.organisation_family(w)
            if family == "generic":
                continue
            if family is None:
                if _vocabulary_word(w):
                    continue
                return True
            if families and family not in families:
                return True
        return False

    def _unknown(self, question: str, tokens: list[_Token], words: list[str], capital: list[bool],
                 exact: dict[int, str], fuzzy: dict[int, str], claimed: set[int]) -> list[Unknown]:
        """Names that match no provider: a misspelt name word, a name that conflicts with the provider it
        shares a word with, or a capitalised name ending in an organisation word."""
        out: list[Unknown] = []
        used = set(claimed)
        starts = sorted(set(fuzzy) | {i for i in exact if i not in claimed})
        for i in starts:
            if i in used:
                continue
            a, b = self._extend(words, capital, i, i, None)
            while b + 1 < len(words) and (b + 1) in fuzzy:
                b += 1
            # A misspelt organisation word after the name ("hosptial") belongs to it.
            if b + 1 < len(words) and not _vocabulary_word(words[b + 1]) and len(words[b + 1]) >= 5 \
                    and words[b + 1] not in _STOP and self._org_like(words[b + 1]):
                b += 1
            while a > 0 and capital[a - 1] and not _vocabulary_word(words[a - 1]) and words[a - 1] not in _STOP:
                a -= 1
            used.update(range(a, b + 1))
            start, end = tokens[a][1], tokens[b][2]
            said = question[start:end]
            out.append(Unknown(start, end, said, self.suggest(said)))
        # Capitalised names ending in an organisation word that matched nobody ("Sunnyview Care Home").
        i = 0
        while i < len(words):
            if i in used or not capital[i] or words[i] in _STOP or _vocabulary_word(words[i]) \
                    or vocabulary.organisation_family(words[i]) is not None:
                i += 1
                continue
            j = i
            while j + 1 < len(words) and capital[j + 1] and (j + 1) not in used:
                j += 1
            if j > i and vocabulary.organisation_family(words[j]) not in (None, "generic"):
                start, end = tokens[i][1], tokens[j][2]
                said = question[start:end]
                out.append(Unknown(start, end, said, self.suggest(said)))
                used.update(range(i, j + 1))
            i = j + 1
        return out

    @staticmethod
    def _org_like(word: str) -> bool:
        from rapidfuzz import fuzz, process

        families = vocabulary.organisation_families()
        got = process.extractOne(word, [w for w, f in families.items() if f not in ("generic",) and " " not in w],
                                 scorer=fuzz.ratio, score_cutoff=80)
        return got is not None

    def suggest(self, said: str) -> str | None:
        """The provider whose identifying words are closest to those of ``said`` (a misspelt or unknown name):
        by its words that are no organisation words, exact or within the fuzzy cutoff; None when none is."""
        scores: dict[str, float] = defaultdict(float)
        for w in _TOKEN.findall(_plain(said)):
            if w in _STOP or vocabulary.organisation_family(w) is not None:
                continue
            word = w if w in self.weight else (w[:-1] if w[:-1] in self.weight else self._near(w) if len(w) >= 4 else None)
            if word is None:
                continue
            for n in self.by_word[word]:
                nm = self.names[n]
                if nm.how != "town":
                    scores[nm.key] = max(scores[nm.key], 0.0) + self.weight[word] / len(self._names_of(nm.key))
        if not scores:
            return None
        best = max(scores, key=lambda k: (scores[k], self.displays[k]))
        return self.displays[best]


def _with_initials(names: Iterable[tuple[str, str, str, str]]) -> Iterator[tuple[str, str, str, str]]:
    """The names, and for a name of three words or more its initials as another name ("SCAS" for South Central
    Ambulance Service NHS Foundation Trust, "NGH" for Northampton General Hospital): up to its first organisation
    word, and whole."""
    for key, display, name, how in names:
        yield key, display, name, how
        if how == "town":
            continue
        words = [w for w in _TOKEN.findall(_plain(name)) if w not in ("and", "of", "the", "&", "s")]
        if len(words) < 3:
            continue
        cut = next((i for i, w in enumerate(words) if vocabulary.organisation_family(w) not in (None, "generic")),
                   len(words) - 1)
        for initials in dict.fromkeys(("".join(w[0] for w in words[:cut + 1]), "".join(w[0] for w in words))):
            if len(initials) >= 3 and initials not in _STOP:
                yield key, display, initials, "alias"


def _plain(text: str) -> str:
    return text.lower().replace("’", "'")


def _aligned(words: list[str], i: int, name: tuple[str, ...]) -> tuple[int, int] | None:
    """(first, last) question token where ``name`` is written out in full through position ``i``."""
    if len(name) < 2:
        return None
    for offset, t in enumerate(name):
        if t != words[i]:
            continue
        a = i - offset
        if a >= 0 and tuple(words[a:a + len(name)]) == name:
            return a, a + len(name) - 1
    return None


def _clusters(positions: list[int], gap: int = 1) -> list[list[int]]:
    """Runs of question positions no more than ``gap`` apart: each is one place where a name is written."""
    out: list[list[int]] = []
    for p in positions:
        if out and p - out[-1][-1] <= gap:
            out[-1].append(p)
        else:
            out.append([p])
    return out


def _partial(words: list[str], i: int, name: tuple[str, ...]) -> tuple[int, int] | None:
    """(first, last) question token of a run through position ``i`` that writes ``name``'s words in order,
    every one of its own words among them (those no organisation word: "Midlands" of East Midlands Ambulance
    Service NHS Trust Headquarters) and at least one organisation word ("Ambulance"): "Healthcare NHS
    Foundation Trust" alone names no trust."""
    own = {t for t in name if vocabulary.organisation_family(t) is None and t not in _STOP}
    if not own:
        return None
    for j, t in enumerate(name):
        if t != words[i]:
            continue
        a, b = i, i
        while a > 0 and j - (i - a) > 0 and words[a - 1] == name[j - (i - a) - 1]:
            a -= 1
        while b + 1 < len(words) and j + (b - i) + 1 < len(name) and words[b + 1] == name[j + (b - i) + 1]:
            b += 1
        run = words[a:b + 1]
        if len(run) >= 2 and own <= set(run) and any(vocabulary.organisation_family(w) not in (None, "generic")
                                                     for w in run):
            return a, b
    return None


def _run(words: list[str], name: tuple[str, ...]) -> int:
    """The longest run of ``name``'s words, in order, that the question writes ("st george s": 3)."""
    best = 0
    for i in range(len(words)):
        for j in range(len(name)):
            k = 0
            while i + k < len(words) and j + k < len(name) and (
                    words[i + k] == name[j + k] or words[i + k] == name[j + k] + "s"):
                k += 1
            best = max(best, k)
    return best


def _date_word(word: str) -> bool:
    """A number or a month: with others of its kind ("24 April 2018") a date, never a name on its own."""
    return word.isdigit() or word in vocabulary.MONTHS


def _vocabulary_word(word: str) -> bool:
    """A word of the closed vocabulary (a key question, rating, service, value asked): never part of a name."""
    return bool(vocabulary.key_question_phrases().find(word) or vocabulary.rating_phrases().find(word)
                or vocabulary.field_phrases().find(word) or vocabulary.service_phrases().find(word))


def _outermost(mentions: list[Mention]) -> list[Mention]:
    """Mentions not inside a longer one: "Central Middlesex Hospital Urgent Treatment Centre" names the centre,
    not also the hospital whose name is its first words."""
    return [m for m in mentions if not any(o.start <= m.start and m.end <= o.end and (o.start, o.end) != (m.start, m.end)
                                           for o in mentions)]


def _merge(mentions: list[Mention]) -> list[Mention]:
    """One mention per span: providers named by the same words ("Liverpool") share it."""
    by_span: dict[tuple[int, int], Mention] = {}
    for m in mentions:
        held = by_span.get((m.start, m.end))
        by_span[(m.start, m.end)] = m if held is None else Mention(
            m.start, m.end, m.said, held.providers + m.providers, held.how)
    return sorted(by_span.values(), key=lambda m: m.start)
