"""Cut report sections into chunks that fit the embedding model's window.

A chunk never crosses a section boundary. A long section is split at sentence
boundaries; a single sentence longer than the window is split at word boundaries.
Chunk text is always a verbatim slice of the report text. Chunking is linear in the
text's length: words are counted once each, and each chunk is checked with one exact count.
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


# Words, with any run of more than 100 characters cut: the model reads a longer "word" as one
# unknown token anyway, and bounded words keep every count below bounded.
_WORD = re.compile(r"\S{1,100}")
_SPECIAL_TOKENS = 2  # [CLS] and [SEP], counted once per chunk in its header


def _word_pieces(text: str, start: int, end: int, room: int, count: TokenCounter) -> list[tuple[int, int, int]]:
    """Split an over-long sentence at word boundaries into (start, end, tokens) pieces of at most
    ``room`` tokens. Each piece's end is found by galloping then bisecting over word counts, so
    every count covers at most twice a piece: linear in the sentence's length, whatever it is."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]

    def size(a: int, b: int) -> int:  # tokens of words[a:b], without the special tokens
        return count(text[words[a][0] : words[b - 1][1]]) - _SPECIAL_TOKENS

    pieces, i, guess = [], 0, 1
    while i < len(words):
        good, good_size, bad = i + 1, None, None  # a piece holds at least one word
        # Pieces of one sentence are alike: try the last piece's length first, then gallop or bisect.
        probe = min(len(words), i + guess)
        if probe > good:
            n = size(i, probe)
            if n <= room:
                good, good_size = probe, n
            else:
                bad = probe
        step = 1
        while bad is None and good < len(words):
            probe = min(len(words), good + step)
            n = size(i, probe)
            if n <= room:
                good, good_size, step = probe, n, step * 2
            else:
                bad = probe
        while bad is not None and bad - good > 1:
            mid = (good + bad) // 2
            n = size(i, mid)
            if n <= room:
                good, good_size = mid, n
            else:
                bad = mid
        if good_size is None:
            good_size = size(i, good)
        pieces.append((words[i][0], words[good - 1][1], good_size))
        guess, i = good - i, good
    return pieces


class _WordTokens:
    """Tokens per word, counted once per distinct word. The model's tokenizer splits text at
    whitespace before anything else, so a span's tokens are the sum of its words' tokens;
    each chunk is still checked with one exact count."""

    def __init__(self, count: TokenCounter, limit: int = 200_000):
        self.count, self.limit = count, limit
        self.known: dict[str, int] = {}

    def __call__(self, word: str) -> int:
        n = self.known.get(word)
        if n is None:
            if len(self.known) >= self.limit:
                self.known.clear()
            n = self.known[word] = self.count(word) - _SPECIAL_TOKENS
        return n


def section_spans(
    report: Report, section: Section, count_tokens: TokenCounter, settings: ChunkSettings,
    word_tokens: _WordTokens | None = None,
) -> list[tuple[int, int]]:
    """Offsets of the chunks of one section.

    Sentences are sized by their words' token counts (a sentence longer than the window is cut
    at words), packed by those sizes, and each chunk checked once with an exact count: linear in
    the section's length.
    """
    text = report.text
    word_tokens = word_tokens or _WordTokens(count_tokens)
    header_tokens = count_tokens(embedding_text(report.provider, section.path, ""))
    budget = settings.max_tokens
    room = max(1, budget - header_tokens)  # tokens left for the text (special tokens are in the header)

    def fits(s: int, e: int) -> bool:
        return count_tokens(embedding_text(report.provider, section.path, text[s:e])) <= budget

    units: list[tuple[int, int]] = []
    sizes: list[int] = []
    for s, e in sentence_spans(text, section.start, section.end):
        words = [(m.start(), m.end(), word_tokens(m.group(0))) for m in _WORD.finditer(text, s, e)]
        total = sum(n for _, _, n in words)
        if total <= room:
            units.append((s, e))
            sizes.append(total)
            continue
        first, used = 0, 0  # an over-long sentence: cut at the word where the window fills
        for k, (_, _, n) in enumerate(words):
            if used + n > room and k > first:
                units.append((words[first][0], words[k - 1][1]))
                sizes.append(used)
                first, used = k, 0
            used += n
        units.append((words[first][0], words[-1][1]))
        sizes.append(used)

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
        if j == i + 1 and not fits(*units[i]):
            # A tokenizer that does not split at whitespace first: cut this unit by exact counts.
            spans.extend((ps, pe) for ps, pe, _ in _word_pieces(text, *units[i], room, count_tokens))
        else:
            spans.append((units[i][0], units[j - 1][1]))
        if j >= len(units):
            break
        i = max(i + 1, j - settings.overlap_sentences)
    return spans


# The heading path of a report's page header: the text before its first section (service type, name,
# "Overall: Inadequate", address, "Provided and run by", "Report from 16 January 2024 assessment").
HEADER_PATH = ("Summary",)


def header_section(report: Report) -> Section | None:
    """The page header as a section: the report's text before its first section, or None when that is blank.

    The parser reads the header into the report's fields but no section holds it, so without this the
    page's own statement of the rating, provider and date could never be retrieved or quoted. A document
    holding several reports (``report_id`` "…#2" onwards) has one page header, before its first report.
    """
    if "#" in report.report_id and not report.report_id.endswith("#1"):
        return None
    end = min((s.start for s in report.sections), default=len(report.text))
    head = report.text[:end]
    stripped = head.rstrip()
    if not stripped.strip():
        return None
    return Section(HEADER_PATH, len(head) - len(head.lstrip()), len(stripped))


def report_sections(report: Report) -> list[Section]:
    """The sections a report is chunked by: its page header (when it has one), then its own sections."""
    header = header_section(report)
    return ([header] if header else []) + list(report.sections)


def chunk_reports(
    reports: Iterable[Report],
    count_tokens: TokenCounter,
    settings: ChunkSettings = ChunkSettings(),
    first_id: int = 0,
    header: bool = True,
) -> list[Chunk]:
    """Chunks for every section of every report, with ids counting up from ``first_id``.

    With ``header``, each report's page header (``header_section``) is chunked first; without, only the
    sections the report lists (a caller passing a report one section at a time adds the header itself).
    """
    chunks: list[Chunk] = []
    next_id = first_id
    word_tokens = _WordTokens(count_tokens)
    for report in reports:
        for section in report_sections(report) if header else report.sections:
            for s, e in section_spans(report, section, count_tokens, settings, word_tokens):
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
