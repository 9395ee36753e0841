"""Cold start: how long a new process takes to answer, measured against importing sentence-transformers.

Each figure is a fresh Python process, timed from just before it is started:

- ``import_sentence_transformers``: ``python -c "import sentence_transformers"``, the reference
  (what every cold ``ask`` used to pay before answering anything);
- ``ask_value``: ``assistant ask --json`` for a value question, which needs no embedding;
- ``ask_passage``: the same for a passage question, which embeds the question (ONNX);
- ``tui_ready``: the chat window (Textual, headless ``run_test``) until the index is loaded and
  a question would be answered at once; ``tui_first_answer``: until it has answered a passage
  question typed then.

The kinds take turns within each repeat (after one untimed round that fills the page
cache), so load from other work on a shared machine falls on all of them alike; the
figures are medians, and the ratios to the import time are what the targets are set in.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

VALUE_QUESTION = "What was Iridium's well-led score?"
PASSAGE_QUESTION = "Were staff aware of the freedom to speak up guardian at Iridium?"
# Issue "Index and speed", part 1: cold ask at most these fractions of the import time; the chat ready in 2 s.
TARGETS = {"ask_value": 0.3, "ask_passage": 0.4}
TUI_READY_S = 2.0

_ASK = "import sys\nfrom assistant.cli import main\nsys.exit(main())\n"  # what the `assistant` script runs
_TUI = """
import asyncio, json, sys, time
started = float(sys.argv[1])
from pathlib import Path
from assistant.tui.app import ChatApp

async def main():
    app = ChatApp(index_dir=Path(sys.argv[2]), history_dir=Path(sys.argv[3]))
    async with app.run_test() as pilot:
        while app.loading:
            await pilot.pause(0.005)
        ready = time.time() - started
        loaded = app.assistant is not None
        app.submit(sys.argv[4])
        while app.busy or not app.conversation.turns:
            await pilot.pause(0.005)
        answered = time.time() - started
        no_answer = app.conversation.turns[-1].answer.no_answer
    print(json.dumps({"ready_s": ready, "answered_s": answered, "loaded": loaded, "no_answer": no_answer}))

asyncio.run(main())
"""


def _child(args: list[str], env: dict) -> tuple[float, str]:
    """Run a fresh interpreter; (seconds from before it started until it exited, its stdout)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=300)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed: {(out.stderr or out.stdout).strip()[-400:]}")
    return seconds, out.stdout


def _ask(index_dir: Path, question: str, env: dict) -> float:
    seconds, stdout = _child(["-c", _ASK, "ask", "--index", str(index_dir), "--json", question], env)
    if json.loads(stdout)["no_answer"]:  # a benchmark of a refusal would flatter the passage path
        raise RuntimeError(f"the benchmark index does not answer {question!r}")
    return seconds


def _tui(index_dir: Path, env: dict, history: Path) -> dict:
    _, stdout = _child(["-c", _TUI, repr(time.time()), str(index_dir), str(history), PASSAGE_QUESTION], env)
    figures = json.loads(stdout.strip().splitlines()[-1])
    if not figures["loaded"] or figures["no_answer"]:
        raise RuntimeError(f"the chat window did not load the index or answer: {figures}")
    return figures


def seed_index(corpus: Path, target: Path, log=print) -> float:
    """Build an index of ``corpus`` in ``target`` with the default build embedder (which exports the ONNX
    query model if it is missing); returns the seconds taken."""
    from assistant.indexing.build import build_index
    from assistant.search.embed import Embedder

    log(f"  building an index of {corpus} ...")
    started = time.perf_counter()
    build_index(corpus, target, Embedder())
    return time.perf_counter() - started


def run(index_dir: Path | None = None, corpus: Path = Path("corpus"), repeats: int = 5, log=print) -> dict:
    """Time every kind ``repeats`` times in fresh processes; medians, ratios to the import time, verdicts."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="assistant-startup-") as tmp:
        out: dict = {"repeats": repeats, "value_question": VALUE_QUESTION, "passage_question": PASSAGE_QUESTION}
        if index_dir is None:
            index_dir = Path(tmp) / "index"
            out["index_build_s"] = round(seed_index(corpus, index_dir, log), 2)
        history = Path(tmp) / "history"
        kinds: dict[str, Callable[[], Any]] = {
            "import_sentence_transformers": lambda: _child(["-c", "import sentence_transformers"], env)[0],
            "ask_value": lambda: _ask(index_dir, VALUE_QUESTION, env),
            "ask_passage": lambda: _ask(index_dir, PASSAGE_QUESTION, env),
            "tui": lambda: _tui(index_dir, env, history),
        }
        runs: dict[str, list[float]] = {}
        for r in range(repeats + 1):  # round 0 fills the page cache and is not counted
            log(f"  cold-start round {r}/{repeats}{' (warm-up)' if r == 0 else ''} ...")
            for name, measure in kinds.items():
                value = measure()
                if r == 0:
                    continue
                if name == "tui":
                    runs.setdefault("tui_ready", []).append(value["ready_s"])
                    runs.setdefault("tui_first_answer", []).append(value["answered_s"])
                else:
                    runs.setdefault(name, []).append(value)
        out["verification"] = verification_cost(index_dir, repeats)
    reference = statistics.median(runs["import_sentence_transformers"])
    out["figures"] = {name: {"median_s": round(statistics.median(v), 3), "runs_s": [round(x, 2) for x in v],
                             "x_import": round(statistics.median(v) / reference, 3)} for name, v in runs.items()}
    out["verification"]["share_of_ask_value"] = round(
        out["verification"]["hash_s"] / out["figures"]["ask_value"]["median_s"], 3)
    out["verdicts"] = verdicts(out["figures"])
    return out


def verification_cost(index_dir: Path, repeats: int) -> dict[str, Any]:
    """What verifying costs a cold ``ask``: hashing the bytes of every file a load reads (the manifest and
    each live segment's files), median of ``repeats``. A load reads those bytes anyway and parses the same
    ones it hashed, so the hashing is all that verification adds."""
    import hashlib

    from assistant.indexing import versions
    from assistant.indexing.load import open_manifest

    folder, manifest = open_manifest(index_dir)
    paths = [folder / "manifest.json"] + [versions.segment_dir(index_dir, s.name) / name
                                          for s in manifest.segments for name in s.checksums]
    data = [p.read_bytes() for p in paths]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for chunk in data:
            hashlib.sha256(chunk).hexdigest()
        times.append(time.perf_counter() - started)
    return {"files": len(paths), "mb": round(sum(map(len, data)) / 2**20, 2),
            "hash_s": round(statistics.median(times), 4)}


def verdicts(figures: dict) -> list[str]:
    """One line per target: met or missed, with the figure."""
    lines = []
    for name, goal in TARGETS.items():
        x = figures[name]["x_import"]
        lines.append(f"{name}: {x}× the import time (target ≤ {goal}×) — {'met' if x <= goal else 'MISSED'}")
    ready = figures["tui_ready"]["median_s"]
    lines.append(f"tui_ready: {ready} s (target ≤ {TUI_READY_S} s) — {'met' if ready <= TUI_READY_S else 'MISSED'}")
    return lines


def markdown(result: dict) -> str:
    """The cold-start figures as a table, then what verification costs, then the verdicts."""
    lines = [f"Cold start: fresh processes, median of {result['repeats']} runs each, taking turns.", "",
             "| what | median s | runs s | × import |", "|---|---|---|---|"]
    for name, f in result["figures"].items():
        lines.append(f"| {name} | {f['median_s']} | {', '.join(map(str, f['runs_s']))} | {f['x_import']} |")
    v = result.get("verification")
    if v:
        lines += ["", f"Verifying every file a cold `ask` reads ({v['files']} files, {v['mb']} MB) against its "
                      f"commit point's checksums: {v['hash_s']} s, {v['share_of_ask_value']:.1%} of a cold value `ask`."]
    return "\n".join([*lines, "", *[f"- {v}" for v in result["verdicts"]]])
