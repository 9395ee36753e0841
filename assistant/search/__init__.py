"""Finding passages: tokens, BM25, vectors, embedding backends, retrieval."""
