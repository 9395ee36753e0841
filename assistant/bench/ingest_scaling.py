"""How parsing and chunking time grow with a file's size: ``python -m assistant.bench.ingest_scaling``.

Two shapes of text, each at growing sizes: report prose (a seed report's paragraphs repeated) and
one line without a sentence end (the shape that made the old chunker quadratic). Prints seconds,
and seconds per MB, for each size; a linear stage keeps seconds per MB flat. The embedding stage,
which dominates indexing, is measured by ``assistant bench``.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from pathlib import Path

SEED = Path(__file__).resolve().parents[2] / "corpus" / "iridium-medical-practice-2025-01-13.txt"


def prose(size: int, seed_text: str) -> str:
    """About ``size`` characters of report prose: the seed report, then its body repeated."""
    body = "\n".join(seed_text.splitlines()[20:])
    return seed_text + "\n" + "\n".join([body] * (size // max(len(body), 1) + 1))


def one_line(size: int, seed_text: str, seed: int = 0) -> str:
    """About ``size`` characters of words on one line, with no sentence end."""
    words = re.findall(r"[a-z]+", seed_text.lower())
    rng = random.Random(seed)
    out, n = [], 0
    while n < size:
        word = rng.choice(words)
        out.append(word)
        n += len(word) + 1
    return " ".join(out)


def measure(text: str, count_tokens) -> tuple[float, float, int]:
    """(parse seconds, chunk seconds, chunks) for one document's text."""
    from assistant.ingest.chunk import chunk_reports
    from assistant.ingest.parse import parse_document

    t0 = time.perf_counter()
    reports = parse_document(text, "scaling.txt")
    t1 = time.perf_counter()
    chunks = chunk_reports(reports, count_tokens)
    return t1 - t0, time.perf_counter() - t1, len(chunks)


def run(sizes_mb: list[float], log=print) -> list[dict]:
    """Measure each shape at each size; log a line per measurement and return the rows."""
    from assistant.search.embed import token_counter

    count = token_counter()
    seed_text = SEED.read_text(encoding="utf-8")
    rows = []
    for shape, make in (("prose", prose), ("one line", one_line)):
        for mb in sizes_mb:
            text = make(int(mb * 1_000_000), seed_text)
            parse_s, chunk_s, chunks = measure(text, count)
            size = len(text.encode("utf-8")) / 1e6
            row = {"shape": shape, "mb": round(size, 2), "parse_s": round(parse_s, 2), "chunk_s": round(chunk_s, 2),
                   "chunks": chunks, "s_per_mb": round((parse_s + chunk_s) / size, 2)}
            rows.append(row)
            log(f"{shape:8} {size:6.2f} MB  parse {parse_s:6.2f} s  chunk {chunk_s:6.2f} s  "
                f"{chunks:6d} chunks  {row['s_per_mb']:5.2f} s/MB")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.5,1,2,5", help="sizes in MB, comma-separated (default 0.5,1,2,5)")
    args = parser.parse_args()
    run([float(s) for s in args.sizes.split(",")])


if __name__ == "__main__":
    main()
