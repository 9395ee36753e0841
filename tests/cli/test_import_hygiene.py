"""The command line must start at once: no torch, sentence-transformers or Textual until needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "sentence_transformers", "textual")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["assistant.cli", "assistant.answer", "assistant.chat.commands", "assistant.chat.script",
                                    "assistant.chat.history", "assistant.chat.export", "assistant.session"])
def test_library_imports_stay_light(module):
    code = f"import sys, {module}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_help_loads_nothing_heavy():
    code = ("import sys; from click.testing import CliRunner; from assistant.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
            "assert 'chat' in r.output; "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_chat_window_module_does_not_load_the_model():
    code = ("import sys, assistant.tui.app; "
            "print(' '.join(m for m in ('torch', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""
