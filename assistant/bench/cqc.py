"""A CQC-sized index (1.5M chunks with its sentence table) on one server: peak RSS and answer latency.

    python -m assistant.bench.cqc build WORK [--chunks 1500000]   # once: writes WORK/index (a few minutes)
    python -m assistant.bench.cqc measure WORK [--json-out FILE]  # a fresh process: load, ask, measure

``build`` indexes the real CQC pages in ``tests/data/real/`` for real (bundled model, real parse,
chunks, BM25 and sentence table: about 7 sentences a chunk, as CQC's pages have), then writes one
segment of ``--chunks`` chunks made of copies of it: each copy's reports get their own ids and
provider names ("… (copy 17)"), chunk ids run on, BM25 rows repeat, each copy's chunk vectors are the
real ones plus noise (normalised; so the IVF has real clusters, not duplicates), and the sentence
table's rows repeat (vectors as embedded). It goes through the real ``segments.write`` and a real
commit point, so ``measure`` loads it with the real ``load_index``: the sentence vectors and terms
and the IVF memory-mapped (``search.mapped``).

``measure`` runs in its own process, so its peak RSS is a server's: loading, warming (model,
sentence lookups) and answering passage questions, each timed (p50/p95), with RSS after each step.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.bench.report import emit_json

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"
CHUNKS = 1_500_000
# Passage questions of the kind inspectors ask (none names a provider: every copy is in scope).
QUESTIONS = (
    "How were complaints handled?", "Were staff aware of the freedom to speak up guardian?",
    "How did the service manage medicines safely?", "What did staff say about the culture and leadership?",
    "How were patients involved in decisions about their care?", "Were there enough staff to keep people safe?",
    "How did the service learn from incidents?", "How was infection prevention and control managed?",
    "What training did staff receive?", "How long did patients wait to be seen?",
    "How were safeguarding concerns reported?", "Did the service have effective governance arrangements?",
)


def _rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _rss_split_mb() -> dict:
    """RSS as Linux splits it: private memory (RssAnon) and mapped file pages (RssFile, shared with
    every process mapping the same files)."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "RssShmem"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def _peak_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def build(work: Path, chunks: int = CHUNKS, seed: int = 0) -> dict:
    """Write ``work/index``: one segment of ``chunks`` chunks copied from the real pages' index."""
    import shutil

    from assistant.indexing import segments, versions
    from assistant.indexing.build import build_index
    from assistant.indexing.manifest import Manifest
    from assistant.models import Chunk
    from assistant.search.bm25 import TermCounts
    from assistant.search.embed import Embedder
    from assistant.search.mapped import Rows
    from assistant.search.sentences import SentenceTable
    from assistant.search.vectors import VectorIndex

    started = time.monotonic()
    work = Path(work)
    base_dir, index = work / "base", work / "index"
    shutil.rmtree(index, ignore_errors=True)
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for p in REAL.glob("*.txt"):
        shutil.copy(p, corpus / p.name)
    if not (base_dir / "CURRENT").exists():
        build_index(corpus, base_dir, Embedder())
    resolved = versions.resolve(base_dir)
    if resolved is None:
        raise ValueError(f"no intact commit point in {base_dir}")
    manifest = Manifest.load(*resolved)
    (entry,) = manifest.segments
    base = segments.read(base_dir, entry, manifest.dimension)
    n_base = len(base.chunks)
    copies = -(-chunks // n_base)
    rng = np.random.default_rng(seed)

    reports: dict[str, Any] = {}
    all_chunks: list[Chunk] = []
    files: dict[str, Any] = {}
    base_files = sorted(manifest.files.items(), key=lambda kv: kv[1].first_chunk)
    for c in range(copies):
        renamed = {rid: replace(r, report_id=f"{rid}~{c}", provider=f"{r.provider} (copy {c})",
                                title=f"{r.title} (copy {c})", source=f"copy{c:05d}/{r.source}")
                   for rid, r in base.reports.items()}
        reports.update({r.report_id: r for r in renamed.values()})
        first = c * n_base
        all_chunks.extend(Chunk(first + i, renamed[k.report_id].report_id, renamed[k.report_id].provider,
                                renamed[k.report_id].source, k.section, k.start, k.end, k.text)
                          for i, k in enumerate(base.chunks))
        for name, f in base_files:
            files[f"copy{c:05d}/{name}"] = f._replace(reports=tuple(f"{rid}~{c}" for rid in f.reports),
                                                      first_chunk=first + f.first_chunk)
    all_chunks = all_chunks[:chunks]
    n = len(all_chunks)
    live = {c.report_id for c in all_chunks}
    reports = {rid: r for rid, r in reports.items() if rid in live}
    files = {name: f for name, f in files.items() if f.first_chunk < n}
    files = {name: f._replace(chunks=min(f.chunks, n - f.first_chunk)) for name, f in files.items()}

    tf = base.counts.tf
    from scipy import sparse

    counts = TermCounts(base.counts.vocab, sparse.vstack([tf] * copies, format="csr")[:n],
                        np.tile(base.counts.doc_len, copies)[:n])
    vectors = np.empty((n, manifest.dimension), dtype=np.float32)
    real = base.vectors.reconstruct(base.ids)
    for c in range(copies):
        rows = slice(c * n_base, min(n, (c + 1) * n_base))
        block = real[: rows.stop - rows.start] + rng.normal(0, 0.05, (rows.stop - rows.start, real.shape[1]))
        vectors[rows] = block / np.linalg.norm(block, axis=1, keepdims=True)
    t = time.monotonic()
    index_v = VectorIndex.build(vectors, np.arange(n, dtype=np.int64))
    faiss_s = time.monotonic() - t
    del vectors

    s = base.sentences
    per_copy = len(s)
    offsets = np.repeat(np.arange(copies, dtype=np.int64) * n_base, per_copy)
    chunk_id = np.tile(s.chunk_id, copies) + offsets
    live_rows = chunk_id < n
    rows_total = int(live_rows.sum())
    table = SentenceTable(chunk_id[:rows_total], np.tile(s.start, copies)[:rows_total],
                          np.tile(s.end, copies)[:rows_total],
                          Rows([s.vector] * copies).take_rows(np.arange(rows_total)),
                          Rows([s.terms] * copies).take_rows(np.arange(rows_total)),
                          np.tile(s.cues, copies)[:rows_total])
    t = time.monotonic()
    entry_new = segments.write(index, segments.Segment(reports, all_chunks, counts, index_v, table), files)
    write_s = time.monotonic() - t
    out = replace(manifest, segments=(entry_new,), files=files, next_chunk_id=n, restat={})
    name = versions.next_version(index)
    live_version = versions.publish(index, name, out.encode(name))
    size = sum(p.stat().st_size for p in (index / "segments").rglob("*") if p.is_file())
    return {"chunks": n, "reports": len(reports), "sentences": rows_total, "copies": copies,
            "base": {"pages": len(manifest.files), "chunks": n_base, "sentences": per_copy},
            "index_gb": round(size / 2**30, 2), "faiss_build_s": round(faiss_s, 1), "write_s": round(write_s, 1),
            "build_s": round(time.monotonic() - started, 1), "version": live_version.name}


def measure(work: Path, repeats: int = 5) -> dict:
    """Load ``work/index`` as a server does and answer passage questions; RSS and latency."""
    from assistant.bench.timing import percentiles
    from assistant.serve.live import warm
    from assistant.session import load_assistant

    index = Path(work) / "index"
    out: dict = {"rss_mb": {"start": _rss_mb()}}
    t = time.monotonic()
    assistant = load_assistant(index)
    out["load_s"] = round(time.monotonic() - t, 1)
    out["rss_mb"]["loaded"] = _rss_mb()
    t = time.monotonic()
    warm(assistant)
    out["warm_s"] = round(time.monotonic() - t, 1)
    out["rss_mb"]["warm"] = _rss_mb()
    data = assistant.data
    out["index"] = {"chunks": len(data.chunks), "reports": len(data.reports), "sentences": len(data.sentences),
                    "sentence_vectors": type(data.sentences.vector).__name__,
                    "faiss": [type(p.index).__name__ + (" (mapped)" if p.path else "") for p in data.vectors.parts]}
    times: list[float] = []
    kinds: dict[str, int] = {}
    answered = 0
    for r in range(repeats + 1):
        for q in QUESTIONS:
            t = time.perf_counter()
            answer = assistant.ask(q)
            took = time.perf_counter() - t
            if r:  # the first round warms the caches a long-running server has warm
                times.append(took)
                kinds[answer.kind] = kinds.get(answer.kind, 0) + 1
                answered += not answer.no_answer
    out["passage_ms"] = percentiles(times)
    out["answers"] = {"asked": len(times), "answered": answered, "kinds": kinds}
    out["rss_mb"]["after_questions"] = _rss_mb()
    out["rss_split_mb"] = _rss_split_mb()
    out["peak_rss_mb"] = _peak_mb()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.bench.cqc", description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("build", "measure"))
    parser.add_argument("work", type=Path)
    parser.add_argument("--chunks", type=int, default=CHUNKS)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    result = build(args.work, args.chunks) if args.step == "build" else measure(args.work, args.repeats)
    result["peak_rss_mb"] = result.get("peak_rss_mb", _peak_mb())
    emit_json(result, args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
