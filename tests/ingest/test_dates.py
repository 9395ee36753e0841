"""Dates as CQC writes them, read into ISO ranges."""

from __future__ import annotations

import pytest

from assistant.ingest.dates import find_dates, find_months, parse_date_text, whole_date
from assistant.models import DateRange


@pytest.mark.parametrize(
    "words, iso",
    [
        ("16 January 2024", "2024-01-16"),
        ("8 and 9 August 2024", "2024-08-08/2024-08-09"),
        ("23 July to 24 July 2024", "2024-07-23/2024-07-24"),
        ("30 November and 1 December 2023", "2023-11-30/2023-12-01"),
        ("10 and 11 December 2024", "2024-12-10/2024-12-11"),
        ("14 June 2023 to 5 July 2023", "2023-06-14/2023-07-05"),
        ("1, 2 and 5 May 2023", "2023-05-01/2023-05-05"),
        ("26th February to 28th February 2019", "2019-02-26/2019-02-28"),
        ("09 & 10 December 2021", "2021-12-09/2021-12-10"),
        ("30 December and 2 January 2024", "2023-12-30/2024-01-02"),
        ("3 and 4 Feb 2025", "2025-02-03/2025-02-04"),
    ],
)
def test_stated_dates_become_ranges(words, iso):
    assert str(parse_date_text(words)) == iso
    [found] = find_dates(f"We visited on {words}. Then we left.")
    assert (found.text, str(found.range)) == (words, iso)


@pytest.mark.parametrize("text", ["In May 2022 we looked", "31 February 2024", "costs £12 March 2020",
                                  "Date of assessment 23 July to 24 July 202424."])
def test_not_a_date(text):
    assert find_dates(text) == []


def test_month_only_dates_keep_their_precision():
    [found] = find_months("The clinic was previously inspected in March 2014, on 3 May 2015.")
    assert (found.text, str(found.range)) == ("March 2014", "2014-03")
    assert DateRange.parse("2014-03").covers("2014-03-20") and not DateRange.parse("2014-03").covers("2014-04-01")
    assert DateRange.parse("2014-03").describe() == "March 2014"


def test_whole_date_lines():
    assert str(whole_date("17 May 2023").range) == "2023-05-17"
    assert whole_date("Updated 17 May 2023") is None and whole_date("During 2023") is None


@pytest.mark.parametrize("iso, words", [("2024-08-08", "8 August 2024"), ("2024-08-08/2024-08-09", "8 to 9 August 2024"),
                                        ("2023-11-30/2023-12-01", "30 November to 1 December 2023"),
                                        ("2023-12-30/2024-01-02", "30 December 2023 to 2 January 2024")])
def test_ranges_in_words(iso, words):
    assert DateRange.parse(iso).describe() == words


@pytest.mark.parametrize("words, iso", [
    ("in July and August 2021.", "2021-07/2021-08"),
    ("between June 2019 and July 2020", "2019-06/2020-07"),
    ("in December and January 2024", "2023-12/2024-01"),
])
def test_a_run_of_months_is_one_range(words, iso):
    [found] = find_months(words)
    assert str(found.range) == iso and found.text in words
