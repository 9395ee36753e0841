"""Who is in the corpus: providers, their reports, and finding provider names in free text."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.models import Filters, Report
from assistant.search.names import NameIndex
from assistant.text import normalise

_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_PHONE = re.compile(r"\(?\b0\d[\d\s()]{8,}\d\b")


# The last word of a street name: an address part ending in one is the street, not a place.
_STREETS = frozenset("street road lane avenue drive close crescent terrace way row parade square".split())


def towns_of(report: Report) -> list[str]:
    """The place names of a report's address line (locality and post town), as a question may name the
    location by them: its ``town`` facts when the parser states them, else the address's comma-separated
    parts that hold no digits (street numbers, postcodes, phones), the street (the first part) left out."""
    stated = [f.value for f in report.facts if f.name == "town"]
    if stated or not report.address:
        return stated
    parts = [p.strip() for p in _PHONE.sub("", _POSTCODE.sub("", report.address)).split(",")]
    parts = [p for p in parts if p]
    if len(parts) > 1:
        parts = parts[1:]  # the street
    return [p for p in parts if not any(ch.isdigit() for ch in p) and p.split()[-1].lower() not in _STREETS]


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
        self._names: dict[str, list[str]] = {}
        for key, rs in self.by_provider.items():
            # A question may name the location, an alias, or the registered provider ("Provided and run by").
            names = {rs[0].provider, *(a for r in rs for a in r.aliases),
                     *(r.registered_provider for r in rs if r.registered_provider)}
            self._names[key] = sorted(names)
        self._index: NameIndex | None = None

    @property
    def names(self) -> NameIndex:
        """Every name of every provider (title, aliases, registered provider, towns), made on first use."""
        if self._index is None:
            rows = []
            for key, rs in self.by_provider.items():
                display = rs[0].provider
                rows.append((key, display, display, "name"))
                rows += [(key, display, a, "alias") for r in rs for a in r.aliases]
                rows += [(key, display, r.registered_provider, "registered") for r in rs if r.registered_provider]
                rows += [(key, display, t, "town") for t in dict.fromkeys(t for r in rs for t in towns_of(r))]
            self._index = NameIndex(rows)
        return self._index

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
        """Providers that ``text`` names (``names.NameIndex.find``), sorted."""
        return sorted(self.names.find(text).providers)

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
