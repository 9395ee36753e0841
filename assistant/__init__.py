"""A Q&A assistant over CQC inspection reports. Every answer cites its evidence.

The stages, each its own module: readers -> parse -> chunk -> embed/bm25 -> index
-> retrieve -> answer; conversation, cli and tui sit on top.
"""

__version__ = "0.1.0"
