"""Cited answers: one module per answer kind."""

from assistant.answer.assistant import Assistant

__all__ = ["Assistant"]
