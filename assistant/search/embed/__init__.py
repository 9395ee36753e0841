"""Sentence embeddings: one interface (``Embedder``), three backends, chosen once.

- ``onnx`` (the default): the model exported once to ONNX fp32 (``export``), run
  with onnxruntime and tokenizers. No torch at run time; vectors match torch's
  (cosine ≥ 0.999, tested on real report text).
- ``onnx-int8``: the same export with int8 weights: faster on CPUs with fast int8
  arithmetic, cosine ~0.99 to fp32.
- ``torch``: sentence-transformers; the reference, and the default for building on
  an NVIDIA GPU.

``factory`` decides which; ``model`` reads the model folder's settings and counts
tokens (no torch); ``base.Backend`` is what a backend implements.
"""

from assistant.search.embed.embedder import Embedder
from assistant.search.embed.factory import BACKENDS, choose_backend
from assistant.search.embed.model import token_counter

__all__ = ["BACKENDS", "Embedder", "choose_backend", "token_counter"]
