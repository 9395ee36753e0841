"""Who is in the corpus: providers, their reports, and finding provider names in free text."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.models import Filters, Report
from assistant.text import normalise

# Words too common in provider names to identify one on their own.
_GENERIC = frozenset(
    """the and of for at in on our nhs gp care health healthcare medical practice practices hospital hospitals
    centre center service services treatment trust trusts foundation association acute ics icb hq group surgery
    clinic partnership partnerships alliance limited ltd community system integrated urgent west east north
    south new st royal general university home homes house court lodge""".split()
)
_WORD = re.compile(r"[a-z0-9&]+")
# A short name word that still identifies: letters with digits ("4u" in Care 4U Services), not "st" or "of".
_SHORT_NAME = re.compile(r"(?=.*\d)(?=.*[a-z])[a-z0-9]+")


def provider_key(name: str) -> str:
    """A provider's identity for grouping: its normalised name."""
    return normalise(name)


@dataclass
class Catalog:
    """The reports in an index, grouped by provider."""

    reports: dict[str, Report]

    def __post_init__(self) -> None:
        self.by_provider: dict[str, list[Report]] = defaultdict(list)
        for r in self.reports.values():
            self.by_provider[provider_key(r.provider)].append(r)
        for rs in self.by_provider.values():
            rs.sort(key=lambda r: r.date or "", reverse=True)  # newest first; undated last
        self._word_providers: dict[str, set[str]] = defaultdict(set)
        self._names: dict[str, list[str]] = {}
        # Multi-word names by their first word, as token tuples: a name written out in full.
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for key, rs in self.by_provider.items():
            # A question may name the location, an alias, or the registered provider ("Provided and run by").
            names = {rs[0].provider, *(a for r in rs for a in r.aliases),
                     *(r.registered_provider for r in rs if r.registered_provider)}
            self._names[key] = sorted(names)
            for name in names:
                tokens = tuple(_WORD.findall(name.lower()))
                for w in tokens:
                    self._word_providers[w].add(key)
                if len(tokens) >= 2:
                    self._phrases[tokens[0]].append((tokens, key))

    def providers(self) -> list[str]:
        """Display names of every provider, sorted."""
        return sorted(rs[0].provider for rs in self.by_provider.values())

    def history(self, provider: str) -> list[Report]:
        """A provider's reports, newest first."""
        return list(self.by_provider.get(provider_key(provider), []))

    def resolve(self, name: str) -> list[str]:
        """Provider display names matching a user-typed name (substring of a name or alias)."""
        want = normalise(name)
        hits = [
            rs[0].provider
            for key, rs in self.by_provider.items()
            if any(want in normalise(n) for n in self._names[key]) or want == key
        ]
        return sorted(hits)

    def mentioned(self, text: str) -> list[str]:
        """Providers that ``text`` names, by their distinctive name words or aliases.

        A name word identifies a provider when it is not generic and few providers
        share it; "Iridium" names Iridium Medical Practice, "Medical" names no one.
        A name written out in full claims its words: in "Liverpool University Hospitals NHS
        Foundation Trust" (New Royal Liverpool University's registered provider) "Liverpool"
        is part of that name, so it does not also name Liverpool Women's Hospital.
        """
        tokens = _WORD.findall(text.lower())
        words = set(tokens)
        n = max(len(self.by_provider), 1)
        limit = max(3, math.ceil(0.001 * n))

        def weight(w: str) -> float:
            owners = self._word_providers.get(w)
            if not owners or w in _GENERIC or (len(w) < 3 and not _SHORT_NAME.fullmatch(w)):
                return 0.0
            return math.log(1 + n / len(owners)) if len(owners) <= limit else 0.0

        claimed: dict[str, set[str]] = defaultdict(set)  # provider -> the words of its names written in full
        for i, w in enumerate(tokens):
            for phrase, key in self._phrases.get(w, ()):
                if tuple(tokens[i:i + len(phrase)]) == phrase and any(weight(t) for t in phrase):
                    claimed[key].update(phrase)
        taken = set().union(*claimed.values()) if claimed else set()
        scores: dict[str, float] = defaultdict(float)
        for w in words:
            wt = weight(w)
            if not wt:
                continue
            for key in self._word_providers[w]:
                if w not in taken or w in claimed.get(key, ()):
                    scores[key] += wt
        if not scores:
            return []
        best = max(scores.values())
        keys = {k for k, s in scores.items() if s >= 0.5 * best} | set(claimed)  # a name in full always names
        return sorted(self.by_provider[k][0].provider for k in keys)

    def select(self, filters: Filters) -> list[Report]:
        """The reports that pass ``filters``, grouped by provider, newest first: by default each provider's latest only."""
        if not (filters.providers or filters.all_reports or filters.service_types or filters.ratings
                or filters.since or filters.until):  # the usual scope: each provider's latest report, no test
            return [rs[0] for rs in self.by_provider.values() if rs]
        chosen = []
        wanted = {provider_key(p) for name in filters.providers for p in (self.resolve(name) or [name])}
        for key, rs in self.by_provider.items():
            if filters.providers and key not in wanted:
                continue
            for r in rs if filters.all_reports else rs[:1]:
                if _passes(r, filters):
                    chosen.append(r)
        return chosen


def _passes(r: Report, f: Filters) -> bool:
    if f.service_types and not any(normalise(s) in normalise(r.service_type or "") for s in f.service_types):
        return False
    if f.ratings:
        # The overall rating (or, for a report rating one key question only, that rating).
        current = {normalise(r.rating or "")}
        if not any(normalise(x) in current for x in f.ratings):
            return False
    if (f.since or f.until) and not r.date:
        return False
    if f.since and (r.date or "") < f.since:
        return False
    if f.until and (r.date or "") > f.until:
        return False
    return True


def section_matches(path: Iterable[str], wanted: Iterable[str]) -> bool:
    """Whether a section path matches any of the wanted section names (substring, any level)."""
    levels = [normalise(p) for p in path]
    return any(normalise(w) in level for w in wanted for level in levels)
