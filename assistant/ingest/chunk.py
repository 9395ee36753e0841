"""Cut report sections into chunks that fit the embedding model's window.

A chunk never crosses a section boundary. A long section is split at sentence
boundaries; a single sentence longer than the window is split at word boundaries.
Chunk text is always a verbatim slice of the report text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from assistant.config import ChunkSettings
from assistant.models import Chunk, Report, Section
from assistant.text import sentence_spans

TokenCounter = Callable[[str], int]  # tokens including the model's special tokens


def embedding_text(provider: str, section: tuple[str, ...], text: str) -> str:
    """What gets embedded and BM25-indexed for a chunk: a short header, then the text.

    The header puts the provider and section into every chunk, so "Iridium's FTSU
    findings" matches a chunk whose sentences never name Iridium.
    """
    return f"{provider} | {' > '.join(section)}\n{text}"


def chunk_text(chunk: Chunk) -> str:
    return embedding_text(chunk.provider, chunk.section, chunk.text)


def _word_pieces(text: str, start: int, end: int, fits: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """Split an over-long sentence at word boundaries into spans that fit."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[start:end])]
    words = [(start + s, start + e) for s, e in words]
    pieces, i = [], 0
    while i < len(words):
        j = i + 1
        while j < len(words) and fits(words[i][0], words[j][1]):
            j += 1
        pieces.append((words[i][0], words[j - 1][1]))
        i = j
    return pieces


def section_spans(
    report: Report, section: Section, count_tokens: TokenCounter, settings: ChunkSettings
) -> list[tuple[int, int]]:
    """Offsets of the chunks of one section."""
    header_tokens = count_tokens(embedding_text(report.provider, section.path, ""))
    budget = settings.max_tokens

    def fits(s: int, e: int) -> bool:
        return count_tokens(embedding_text(report.provider, section.path, report.text[s:e])) <= budget

    units: list[tuple[int, int]] = []
    for s, e in sentence_spans(report.text, section.start, section.end):
        units.extend([(s, e)] if fits(s, e) else _word_pieces(report.text, s, e, fits))
    # Special tokens are counted once in the header; each sentence adds its own word pieces.
    sizes = [count_tokens(report.text[s:e]) - 2 for s, e in units]

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j, used = i, header_tokens
        while j < len(units) and used + sizes[j] <= budget:
            used += sizes[j]
            j += 1
        j = max(j, i + 1)
        while j > i + 1 and not fits(units[i][0], units[j - 1][1]):
            j -= 1  # the additive estimate can be off by a token where sentences join
        spans.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        i = max(i + 1, j - settings.overlap_sentences)
    return spans


def chunk_reports(
    reports: Iterable[Report],
    count_tokens: TokenCounter,
    settings: ChunkSettings = ChunkSettings(),
    first_id: int = 0,
) -> list[Chunk]:
    """Chunks for every section of every report, with ids counting up from ``first_id``."""
    chunks: list[Chunk] = []
    next_id = first_id
    for report in reports:
        for section in report.sections:
            for s, e in section_spans(report, section, count_tokens, settings):
                chunks.append(
                    Chunk(
                        chunk_id=next_id,
                        report_id=report.report_id,
                        provider=report.provider,
                        source=report.source,
                        section=section.path,
                        start=s,
                        end=e,
                        text=report.text[s:e],
                    )
                )
                next_id += 1
    return chunks
