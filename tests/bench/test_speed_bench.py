"""The start-up and embedding-throughput benchmarks run end to end and report what they measured.

Figures are printed by `assistant bench --cold-start --embedding`, never asserted: these
tests check that the benchmarks measure the right things, not how fast they are.
"""

from __future__ import annotations

import pytest

from conftest import SEED_CORPUS


@pytest.mark.slow
def test_throughput_uses_real_length_chunks_and_compares_backends():
    from assistant.bench import throughput

    result = throughput.run(("torch", "onnx"), n=12, repeats=2, sources=(SEED_CORPUS,), log=lambda line: None)
    # Real chunks, not the generated ones (~43 words): the seed corpus's run ~110-130 words.
    assert result["chunks"] == 12 and result["distinct_chunks"] > 50 and result["mean_words"] > 80
    onnx = result["backends"]["onnx"]
    assert len(onnx["runs_chunks_per_s"]) == 2 and onnx["chunks_per_s"] > 0 and onnx["cpu_ms_per_chunk"] > 0
    assert onnx["cosine_to_torch_min"] >= 0.999 and onnx["device"] == "cpu"
    assert result["backends"]["torch"]["x_torch"] == 1.0
    table = throughput.markdown(result)
    assert "| onnx | cpu |" in table and "| torch | cpu |" in table


@pytest.mark.slow
def test_cold_start_times_fresh_processes_against_the_import(index_dir):
    from assistant.bench import startup

    result = startup.run(index_dir=index_dir, repeats=1, log=lambda line: None)
    figures = result["figures"]
    assert set(figures) == {"import_sentence_transformers", "ask_value", "ask_passage", "tui_ready",
                            "tui_first_answer"}
    assert figures["import_sentence_transformers"]["x_import"] == 1.0
    assert 0 < figures["tui_ready"]["median_s"] < figures["tui_first_answer"]["median_s"]
    assert len(result["verdicts"]) == 3 and all(("met" in v) or ("MISSED" in v) for v in result["verdicts"])
    assert "| ask_value |" in startup.markdown(result)
