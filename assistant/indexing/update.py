"""Import path kept for code written before the ``indexing`` package was split up.

New code imports from ``build`` (update_index, optimize_index, UpdateSummary) and ``add`` (add_files).
"""

from assistant.indexing.add import add_files
from assistant.indexing.build import UpdateSummary, optimize_index, update_index

__all__ = ["UpdateSummary", "add_files", "optimize_index", "update_index"]
