"""Cited answers: the ``Assistant`` and one module per answer kind (value, sets, passage, overview,
compare, change), the question ``analysis`` they all read, and the ``citations`` book."""

from assistant.answer.assistant import Assistant
from assistant.answer.citations import CitationBook

__all__ = ["Assistant", "CitationBook"]
