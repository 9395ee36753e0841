"""The evaluation metrics on hand-made cases whose values are worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.evaluate import metrics

LOG3 = math.log2(3)  # the discount at rank 2


def test_contains_ignores_case_whitespace_and_curly_quotes():
    assert metrics.contains("The Trust hosted a monthly “Exec  Live”\nforum.", 'monthly "exec live" forum')
    assert metrics.contains("Staff’s views", "staff's VIEWS")
    assert not metrics.contains("Staff were aware", "not all staff were aware")


def test_gains_count_each_expected_string_once():
    items = ["Not all staff were aware of the guardian.", "Unrelated.", "NOT ALL staff were aware, again."]
    assert metrics.gains(items, ["not all staff were aware"]) == [1, 0, 0]


def test_gains_count_several_strings_in_one_item():
    assert metrics.gains(["alpha and beta", "beta"], ["alpha", "beta"]) == [2, 0]


def test_hit_at_k():
    assert metrics.hit_at_k([0, 0, 1], 3) == 1.0
    assert metrics.hit_at_k([0, 0, 1], 2) == 0.0
    assert metrics.hit_at_k([], 5) == 0.0


def test_reciprocal_rank_of_first_hit():
    assert metrics.reciprocal_rank([0, 0, 1, 1]) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank([1]) == 1.0
    assert metrics.reciprocal_rank([0, 0]) == 0.0


def test_ndcg_perfect_when_all_expected_found_at_the_top():
    assert metrics.ndcg_at_k([1, 1, 0], n_expected=2) == pytest.approx(1.0)


def test_ndcg_uses_expected_evidence_for_the_ideal_not_the_retrieved_list():
    # One of two expected passages found, at rank 1. Normalising by the retrieved list alone would
    # give 1.0; against the expected evidence the ideal is 1 + 1/log2(3).
    assert metrics.ndcg_at_k([1, 0, 0], n_expected=2) == pytest.approx(1 / (1 + 1 / LOG3))
    assert metrics.ndcg_at_k([1, 0, 0], n_expected=2) == pytest.approx(0.6131, abs=1e-4)


def test_ndcg_discounts_a_late_hit():
    assert metrics.ndcg_at_k([0, 1], n_expected=1) == pytest.approx(1 / LOG3)
    assert metrics.ndcg_at_k([0, 1], n_expected=1) == pytest.approx(0.6309, abs=1e-4)


def test_ndcg_a_repeated_citation_is_not_a_new_gain():
    g = metrics.gains(["guardian sentence", "guardian sentence"], ["guardian", "appraisals"])
    assert g == [1, 0]
    assert metrics.ndcg_at_k(g, n_expected=2) == pytest.approx(0.6131, abs=1e-4)


def test_ndcg_ideal_is_capped_at_k_and_result_at_one():
    # 12 expected strings, 10 found in the top 10: the ideal only has 10 slots, so this is perfect.
    assert metrics.ndcg_at_k([1] * 10, n_expected=12, k=10) == pytest.approx(1.0)
    # One item covering both expected strings beats the one-per-item ideal; capped at 1.
    assert metrics.ndcg_at_k([2], n_expected=2) == 1.0
    # Hits beyond k do not count.
    assert metrics.ndcg_at_k([0] * 10 + [1], n_expected=1, k=10) == 0.0


def test_ndcg_needs_expected_evidence():
    with pytest.raises(ValueError):
        metrics.ndcg_at_k([1], n_expected=0)


def test_provider_prf_known_values():
    p, r, f = metrics.provider_prf(["Heartbeat Alliance", "Iridium Medical Practice"],
                                   ["heartbeat alliance", "Kidderminster Hospital and Treatment Centre"])
    assert (p, r, f) == pytest.approx((0.5, 0.5, 0.5))
    p, r, f = metrics.provider_prf(["A"], ["A", "B", "C"])
    assert (p, r) == pytest.approx((1.0, 1 / 3))
    assert f == pytest.approx(2 * 1 * (1 / 3) / (1 + 1 / 3))


def test_provider_prf_empty_sets():
    assert metrics.provider_prf([], []) == (1.0, 1.0, 1.0)  # "none" was the right answer
    assert metrics.provider_prf([], ["A"]) == (0.0, 0.0, 0.0)  # said none, there was one
    assert metrics.provider_prf(["A"], []) == (0.0, 0.0, 0.0)  # named one, there were none


def test_answer_correct_needs_every_expected_string():
    text = "- **Iridium Medical Practice**: scored 50 out of 100 for Well-led [1]"
    assert metrics.answer_correct(text, ["50", "well-led"])
    assert not metrics.answer_correct(text, ["50", "75"])


def test_percentile_matches_numpy():
    values = [0.3, 0.01, 0.2, 0.05, 1.7, 0.4, 0.02]
    for q in (0, 50, 95, 100):
        assert metrics.percentile(values, q) == pytest.approx(float(np.percentile(values, q)))
    assert math.isnan(metrics.percentile([], 50))


def test_mean_of_nothing_is_none():
    assert metrics.mean([]) is None
    assert metrics.mean([1.0, 0.0]) == 0.5


def test_in_order_reads_a_ranking_left_to_right():
    text = "1. **Heartbeat Alliance**: 75\n2. Kidderminster: 75\n3. Iridium Medical Practice: 50"
    assert metrics.in_order(text, ["heartbeat alliance", "Iridium"])
    assert not metrics.in_order(text, ["Iridium", "Heartbeat Alliance"])
    assert not metrics.in_order(text, ["Heartbeat Alliance", "Dorset"])
    assert metrics.in_order(text, [])
    assert metrics.answer_correct(text, ["75"], ["Kidderminster", "Iridium"])
    assert not metrics.answer_correct(text, ["75"], ["Iridium", "Kidderminster"])


def test_label_accuracy_with_a_default_for_unjudged_names():
    got = {"Heartbeat Alliance": "partly", "Iridium Medical Practice": "lacking"}
    expected = [("heartbeat alliance", "partly"), ("Iridium Medical Practice", "meets"), ("Our Dorset", "no evidence")]
    assert metrics.label_accuracy(got, expected, "no evidence") == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        metrics.label_accuracy(got, [], "no evidence")
