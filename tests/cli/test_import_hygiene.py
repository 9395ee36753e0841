"""The command line must start at once: no torch, sentence-transformers, transformers or Textual until
needed, and a question is answered without torch at all (the ONNX export, made at index build, embeds it)."""

from __future__ import annotations

import json

import pytest
from _indexing import IRIDIUM_SENTENCE
from _isolation import HEAVY, run_python

VALUE_QUESTION = "What was Iridium's well-led score?"
PASSAGE_QUESTION = "Were staff aware of the freedom to speak up guardian at Iridium?"


def _ask(index_dir, question: str) -> str:
    """Code for a child process: `assistant ask --json QUESTION`, run in-process as the console script does."""
    return ("import sys\nfrom click.testing import CliRunner\nfrom assistant.cli import main\n"
            f"r = CliRunner().invoke(main, ['ask', '--index', {str(index_dir)!r}, '--json', {question!r}])\n"
            "assert r.exit_code == 0, r.output\nprint(r.stdout.replace(chr(10), ' '))\n")


@pytest.mark.parametrize("module", ["assistant.cli", "assistant.answer", "assistant.chat.commands", "assistant.chat.script",
                                    "assistant.chat.history", "assistant.chat.export", "assistant.session",
                                    "assistant.search.embed"])
def test_library_imports_stay_light(module):
    _, loaded = run_python(f"import {module}")
    assert loaded.isdisjoint(HEAVY) and "onnxruntime" not in loaded


def test_help_loads_nothing_heavy():
    code = ("from click.testing import CliRunner; from assistant.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; assert 'chat' in r.output")
    _, loaded = run_python(code)
    assert loaded.isdisjoint(HEAVY)


def test_chat_window_module_does_not_load_the_model():
    _, loaded = run_python("import assistant.tui.app")
    assert loaded.isdisjoint({"torch", "sentence_transformers", "transformers", "onnxruntime"})


def test_value_question_loads_no_torch(index_dir):
    lines, loaded = run_python(_ask(index_dir, VALUE_QUESTION), block_torch=True)
    answer = json.loads(lines[0])
    assert not answer["no_answer"] and "scored 50 out of 100" in answer["answer"]
    assert answer["citations"][0]["text"] == IRIDIUM_SENTENCE
    # The kind of a question is read by meaning, with the ONNX query model; never torch.
    assert loaded.isdisjoint({"torch", "sentence_transformers", "transformers"}), loaded


def test_passage_question_is_answered_with_torch_unimportable(index_dir):
    lines, loaded = run_python(_ask(index_dir, PASSAGE_QUESTION), block_torch=True)
    answer = json.loads(lines[0])
    assert not answer["no_answer"] and answer["citations"]
    assert all(c["provider"] == "Iridium Medical Practice" for c in answer["citations"])
    assert any("speak up" in c["text"].lower() for c in answer["citations"])
    assert "onnxruntime" in loaded and loaded.isdisjoint({"torch", "sentence_transformers", "transformers"})


def test_chat_loader_warms_the_model_in_the_background_without_torch(index_dir):
    code = ("from pathlib import Path\nfrom assistant.session import load_assistant\n"
            f"a = load_assistant(Path({str(index_dir)!r}), warm=True)\n"
            "import threading\n"
            "for t in threading.enumerate():\n"
            "    if t.name == 'embedder-warm': t.join()\n"
            "print(a.retriever.embedder.loaded, a.retriever.embedder.backend)\n")
    lines, loaded = run_python(code, block_torch=True)
    assert lines == ["True onnx"]
    assert "onnxruntime" in loaded and "torch" not in loaded
