"""Import path kept for code written before the ``indexing`` package was split up.

New code imports from ``build`` (update_index, add_files, optimize_index, UpdateSummary).
"""

from assistant.indexing.build import UpdateSummary, add_files, optimize_index, update_index

__all__ = ["UpdateSummary", "add_files", "optimize_index", "update_index"]
