"""What kind of answer a question wants, read by meaning from a bank of labelled questions.

The bank (``assistant/data/questions/bank.jsonl``) holds inspectors' questions written by several
people who never saw this code, each labelled with its kind. A softmax regression over the
question's sentence vector (the model the index already uses, provider names masked, politeness
stripped) and a few closed-vocabulary features (a condition on a value, an ordering word, how many
providers are named: ``features``) gives each kind a probability; the most probable kind and its
probability (the confidence) go into the question's analysis. Below ``AnswerSettings.kind_confidence``
the assistant answers with passages, which never claim more than they quote.

The model is fitted once per embedding model and bank: for the bundled model it ships in
``assistant/data/questions/kinds.npz`` (``python -m assistant.answer.kinds --write``); for any other
embedder (another model, the tests' fake one) it is fitted on first use and cached in the data folder.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant import vocabulary

if TYPE_CHECKING:
    from assistant.search.embed.protocol import TextEmbedder

KINDS = ("overview", "value", "select", "set", "compare", "change", "premise", "passage", "switch")
FEATURES_VERSION = 5
_BANK = "data/questions/bank.jsonl"
_SHIPPED = "data/questions/kinds.npz"
MASK = "the provider"
_WORD = re.compile(r"[a-z0-9&']+")
_WHY = re.compile(r"^\W*(?:why|how come|what made|what led|what caused|what were the reasons)\b", re.I)
_SET_FRAME = re.compile(r"^\W*(?:which|what|any|list|name|show|who|are there|were there|did any|do any|have any|"
                        r"has any|how many)\b", re.I)
_PLURAL_PLACES = re.compile(r"\b(?:providers|services|practices|hospitals|homes|locations|trusts|organi[sz]ations|"
                            r"surgeries|clinics|agencies|places|ones|any|anyone|anywhere|who)\b", re.I)
_NUMBER = re.compile(r"\b\d{1,3}\b")
_FILLER = frozenset("and what how about for at then also same question too instead ok okay so now next tell me "
                    "please the one there same again".split())


@dataclass(frozen=True)
class Reading:
    """A question's kind, how sure the model is, and every kind's probability."""

    kind: str
    confidence: float
    probabilities: dict[str, float]


def bank_rows() -> list[dict[str, Any]]:  # JSON lines: values of any JSON type
    """The labelled questions of the bank."""
    text = resources.files("assistant").joinpath(_BANK).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def bank_hash() -> str:
    """The bank, the feature code's version and the vocabulary files the features read: a change to any of
    them needs the model fitted again."""
    root = resources.files("assistant")
    data = root.joinpath(_BANK).read_bytes() + f"features {FEATURES_VERSION}".encode()
    for name in ("fields", "ratings", "key_questions", "comparators", "order", "framing"):
        data += root.joinpath(f"data/vocabulary/{name}.tsv").read_bytes()
    return hashlib.sha256(data).hexdigest()[:16]


def masked(question: str, spans: Sequence[tuple[int, int]]) -> str:
    """The question as the model reads it: provider names replaced by "the provider", politeness stripped."""
    out = question
    for start, end in sorted(spans, reverse=True):
        out = out[:start] + MASK + out[end:]
    return vocabulary.strip_framing(out) or out


def features(text: str, named: int, unknown: int) -> np.ndarray:
    """Closed-vocabulary features of a (masked) question: how many providers it names (known to the index or
    not: "Sunnyview Care Home" is named as much as "Iridium"), whether it puts a
    condition on a value, orders providers, names a value, a rating or a key question, opens with "why", is
    framed over many providers, asks only about a provider (nothing else said). Whether it follows another turn
    is left out: what a turn asks is in its words, and the conversation is read by ``analysis``."""
    order = set(vocabulary.order_phrases().values(text))
    condition = vocabulary.condition_in(text)
    content = [w for w in _WORD.findall(text.lower().replace(MASK, " ")) if w not in _FILLER]
    return np.asarray([
        named == 0, named == 1, named >= 2, unknown > 0,
        condition is not None and condition.op != "eq",
        bool(vocabulary.rating_phrases().find(text)),
        vocabulary.rating_as_value(text),
        bool(_NUMBER.search(text)),
        "min" in order or "max" in order, "rank" in order, "compare" in order,
        bool(vocabulary.field_phrases().find(text)),
        bool(vocabulary.key_question_phrases().find(text)),
        bool(_WHY.search(text)),
        bool(_SET_FRAME.search(text)) and bool(_PLURAL_PLACES.search(text)),
        len(content) <= 1,
        min(len(content), 40) / 40.0,
    ], dtype=np.float32)


def _bank_inputs(rows: list[dict[str, Any]]) -> tuple[list[str], np.ndarray]:
    """(masked texts, features) of bank rows: their labelled mentions stand for the names found at run time."""
    texts, feats = [], []
    for r in rows:
        q = r["q"]
        spans = []
        for said in r.get("mention") or []:
            at = q.lower().find(said.lower())
            if said and at >= 0:
                spans.append((at, at + len(said)))
        text = masked(q, _disjoint(spans))
        named = max(len(r.get("providers") or []), len(r.get("mention") or []))
        unknown = len(r.get("mention") or []) if not r.get("providers") else 0
        texts.append(text)
        feats.append(features(text, named, unknown))
    return texts, np.vstack(feats)


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if not out or s >= out[-1][1]:
            out.append((s, e))
    return out


@dataclass(frozen=True)
class KindModel:
    """A softmax regression over [sentence vector, features]."""

    weights: np.ndarray  # (inputs, kinds)
    bias: np.ndarray  # (kinds,)
    kinds: tuple[str, ...]
    fingerprint: str

    def read(self, vector: np.ndarray, feats: np.ndarray) -> Reading:
        x = np.concatenate([np.asarray(vector, dtype=np.float32).ravel(), feats])
        p = _softmax(x @ self.weights + self.bias)
        i = int(np.argmax(p))
        return Reading(self.kinds[i], float(p[i]), {k: float(v) for k, v in zip(self.kinds, p)})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, weights=self.weights, bias=self.bias, kinds=np.asarray(self.kinds),
                     fingerprint=np.asarray(self.fingerprint))
        tmp.replace(path)

    @classmethod
    def load(cls, source: str | Path) -> "KindModel":
        with np.load(source, allow_pickle=False) as z:
            return cls(z["weights"], z["bias"], tuple(str(k) for k in z["kinds"]), str(z["fingerprint"]))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)  # numpy types the quotient as Any
    return out


def fit(x: np.ndarray, labels: Sequence[str], fingerprint: str, l2: float = 1e-4, steps: int = 1500,
        rate: float = 0.05) -> KindModel:
    """Fit the softmax regression (full-batch Adam, L2), classes weighted by their frequency."""
    y = np.asarray([KINDS.index(k) for k in labels])
    n, d = x.shape
    k = len(KINDS)
    onehot = np.eye(k, dtype=np.float32)[y]
    counts = np.bincount(y, minlength=k).astype(np.float32)
    sample_w = (n / (k * np.maximum(counts, 1)))[y][:, None]
    w = np.zeros((d, k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    for t in range(1, steps + 1):
        p = _softmax(x @ w + b)
        g = (p - onehot) * sample_w / n
        grads = [x.T @ g + l2 * w, g.sum(axis=0)]
        for i, (param, grad) in enumerate(zip((w, b), grads)):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad * grad
            param -= rate * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    return KindModel(w, b, KINDS, fingerprint)


def train(rows: list[dict[str, Any]], encode: Callable[[list[str]], np.ndarray], fingerprint: str) -> KindModel:
    """Fit the model on bank ``rows`` with the vectors ``encode`` gives."""
    texts, feats = _bank_inputs(rows)
    vectors = np.asarray(encode(texts), dtype=np.float32)
    return fit(np.hstack([vectors, feats]), [r["kind"] for r in rows], fingerprint)


def fingerprint_for(embedder_name: str) -> str:
    return f"{embedder_name}|{bank_hash()}"


# Backends that give the model's own vectors (ONNX and torch agree to a cosine of 0.999): one fitted model serves them.
_MODEL_BACKENDS = ("onnx", "onnx-int8", "torch")


def model_for(embedder: TextEmbedder) -> KindModel:
    """The kind model for ``embedder``: the shipped one for the bundled model, else one fitted on first use
    and cached in the data folder (per embedder and bank). A stand-in embedder that carries the model's name
    but not its vectors (a test's) gets its own fit."""
    backend = getattr(embedder, "backend", "onnx")
    name = embedder.name if backend in _MODEL_BACKENDS else f"{embedder.name}|{backend}"
    return _model_for(name, embedder)


@lru_cache(maxsize=4)
def _cached(fp: str, path: str) -> KindModel | None:
    try:
        model = KindModel.load(path)
    except (OSError, ValueError, KeyError):
        return None
    return model if model.fingerprint == fp else None


def _model_for(name: str, embedder: TextEmbedder) -> KindModel:
    fp = fingerprint_for(name)
    shipped = resources.files("assistant").joinpath(_SHIPPED)
    if shipped.is_file():
        with resources.as_file(shipped) as path:
            got = _cached(fp, str(path))
        if got is not None:
            return got
    from assistant.config import data_dir

    path = data_dir() / "kinds" / (hashlib.sha256(fp.encode()).hexdigest()[:20] + ".npz")
    got = _cached(fp, str(path)) if path.is_file() else None
    if got is not None:
        return got
    model = train(bank_rows(), lambda texts: embedder.encode(texts), fp)
    try:
        model.save(path)
    except OSError:
        pass  # a read-only data folder: fitted again next time, nothing lost
    _cached.cache_clear()
    return model


# -- fitting and checking the shipped model ------------------------------------------------------


def cross_hand(encode: Callable[[list[str]], np.ndarray]) -> dict[str, dict[str, object]]:
    """Accuracy of a model fitted on every hand but one, on that hand's questions (a new hand's phrasing)."""
    rows = bank_rows()
    hands = sorted({r.get("hand", "?") for r in rows})
    texts, feats = _bank_inputs(rows)
    x = np.hstack([np.asarray(encode(texts), dtype=np.float32), feats])
    out = {}
    for hand in hands:
        test = np.asarray([r.get("hand", "?") == hand for r in rows])
        model = fit(x[~test], [r["kind"] for r, t in zip(rows, test) if not t], "cv")
        got = [model.read(x[i, :-feats.shape[1]], x[i, -feats.shape[1]:]) for i in np.flatnonzero(test)]
        gold = [rows[i]["kind"] for i in np.flatnonzero(test)]
        out[hand] = {"n": len(gold), "accuracy": float(np.mean([g.kind == k for g, k in zip(got, gold)])),
                     "confusions": _confusions(gold, [g.kind for g in got]),
                     "by_confidence": _by_confidence(gold, got)}
    return out


def _confusions(gold: Sequence[str], got: Sequence[str]) -> dict[str, int]:
    pairs: dict[str, int] = {}
    for g, k in zip(gold, got):
        if g != k:
            pairs[f"{g}->{k}"] = pairs.get(f"{g}->{k}", 0) + 1
    return dict(sorted(pairs.items(), key=lambda kv: -kv[1])[:15])


def _by_confidence(gold: Sequence[str], got: Sequence[Reading]) -> list[tuple[float, float, float]]:
    """(threshold, share of questions kept, accuracy on those kept)."""
    out = []
    for t in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        kept = [(g, r) for g, r in zip(gold, got) if r.confidence >= t]
        out.append((t, len(kept) / max(len(gold), 1), float(np.mean([g == r.kind for g, r in kept])) if kept else 0.0))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Fit the kind model on the question bank (bundled model).")
    parser.add_argument("--write", action="store_true", help="write assistant/data/questions/kinds.npz")
    parser.add_argument("--check", action="store_true", help="print cross-hand accuracy")
    args = parser.parse_args(argv)
    from assistant.search.embed import Embedder

    embedder = Embedder(role="query").check()
    encode = embedder.encode
    if args.check:
        print(json.dumps(cross_hand(encode), indent=1))
    if args.write:
        model = train(bank_rows(), encode, fingerprint_for(embedder.name))
        target = Path(str(resources.files("assistant").joinpath(_SHIPPED)))
        model.save(target)
        print(f"wrote {target} ({model.fingerprint})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
