"""Import path kept for code written before the ``indexing`` package was split up.

New code imports from the modules themselves: ``load`` (IndexData, load_index, status),
``build`` (build_index), ``scan`` (scan_corpus, CorpusScan).
"""

from assistant.indexing.build import build_index
from assistant.indexing.load import IndexData, load_index, status
from assistant.indexing.scan import CorpusScan, scan_corpus

__all__ = ["CorpusScan", "IndexData", "build_index", "load_index", "scan_corpus", "status"]
