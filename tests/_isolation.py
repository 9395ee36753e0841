"""Run Python in a fresh process, optionally with torch made unimportable, and report what it loaded.

Start-up behaviour (what a cold ``assistant ask`` imports) can only be seen in a new
process: the test process itself has long since imported torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Everything that belongs to the build side of embedding (and the chat window).
HEAVY = ("torch", "sentence_transformers", "transformers", "textual")

# Prepended to a child's code: any import of torch, transformers or sentence-transformers fails,
# as it would on a machine that has only the query-side packages.
BLOCK_TORCH = """
import sys
class _BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'transformers', 'sentence_transformers'):
            raise ImportError(f'{name} is blocked in this test')
        return None
sys.meta_path.insert(0, _BlockTorch())
"""

# Appended to a child's code: the last line of output is the loaded modules among these, as JSON.
REPORT_MODULES = """
import json as _json, sys as _sys
print(_json.dumps(sorted({m.split('.')[0] for m in _sys.modules} & {'torch', 'sentence_transformers', 'transformers',
                                                                  'onnxruntime', 'tokenizers', 'textual'})))
"""


def run_python(code: str, *, block_torch: bool = False, env: dict | None = None, timeout: int = 300):
    """Run ``code`` in a new interpreter from the repository root; returns (stdout lines but the last,
    the set of heavy modules it had loaded at the end). Fails the test on a non-zero exit."""
    source = (BLOCK_TORCH if block_torch else "") + code + REPORT_MODULES
    out = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                         env={**os.environ, **(env or {})})
    assert out.returncode == 0, f"child failed ({out.returncode}):\n{out.stdout}\n{out.stderr}"
    lines = out.stdout.strip().splitlines()
    return lines[:-1], set(json.loads(lines[-1]))
