"""Issue 18, reading: the source viewer opens at the cited sentence, quotes show the report's characters,
messages never cover the prompt, the selected source is legible, the footer fits at 80 columns, and
answers read as the answer layer wrote them (the real window over a fake assistant, driven with Pilot;
what is checked is what the screen shows)."""

from __future__ import annotations

import asyncio

import pytest
from markdown_it import MarkdownIt
from rich.color import ColorSystem
from textual.widgets import Markdown
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from assistant.answer.base import quote  # how the answer layer quotes a sentence (read, never changed)
from assistant.models import Answer, Citation, Report, Section
from assistant.tui.screens import HistoryScreen, SectionScreen
from assistant.tui.widgets import SourceItem, TurnView
from tui_fakes import FTSU, PLAIN, FakeAssistant, make_fake_app
from tui_pilot import ask, burst, command, notes, screen_lines, settle


def drive(app, script, size=(120, 40), notifications: bool = False) -> None:
    async def main():
        async with app.run_test(size=size, notifications=notifications) as pilot:
            await settle(pilot)
            await script(pilot)

    asyncio.run(main())


def flat_screen(app, region=None) -> str:
    """The screen's text (or a region's) with every run of spaces and line ends made one space."""
    rows = screen_lines(app)
    if region is not None:
        rows = [row[region.x:region.right] for row in rows[region.y:region.bottom]]
    return " ".join(" ".join(rows).split())


# -- 4. the source viewer shows the cited sentence, centred -------------------------------------------

CITED = "Medicines were stored securely and staff knew the cold chain policy."
FILLER = ("Inspectors looked at records, spoke with staff and patients, and reviewed the policies and "
          "audits that the practice keeps for its governance. ")


def long_section_answer() -> tuple[Report, Answer]:
    """A report whose cited sentence lies deep in a long section of wrapped paragraphs."""
    paragraphs = [f"Paragraph {i}. {FILLER * 3}" for i in range(1, 61)]
    head = f"{PLAIN}\nInspection report\n\nSafe\n"
    text = head + "\n".join(paragraphs[:35] + [CITED] + paragraphs[35:]) + "\n"
    report = Report(report_id="long-report-2024-05-05", source="long-report-2024-05-05.txt", title=PLAIN,
                    provider=PLAIN, layout="assessment", text=text,
                    sections=(Section(("Safe",), len(head), len(text)),), date="2024-05-05", date_text="5 May 2024")
    start = text.index(CITED)
    citation = Citation(1, PLAIN, report.report_id, "Safe", CITED, start, start + len(CITED), 0.9, report.date,
                        report.source)
    answer = Answer("How were medicines stored?", f"“{quote(CITED)}” [1]", False, (citation,), kind="passage",
                    focus=(PLAIN,))
    return report, answer


def cited_rows_on_screen(app) -> tuple[int, int, object]:
    """The screen rows showing the first and the last words of the cited sentence, and the viewer's
    visible text region."""
    rows = screen_lines(app)
    region = app.screen.query_one("#section-scroll").content_region
    visible = range(region.y, region.bottom)
    first = [y for y in visible if "Medicines were stored" in rows[y][region.x:region.right]]
    last = [y for y in visible if "policy." in rows[y][region.x:region.right]]
    assert first and last, "the cited sentence is not in view:\n" + "\n".join(rows[region.y:region.bottom])
    return first[0], last[0], region


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_the_source_viewer_opens_with_the_cited_sentence_in_the_middle_and_keeps_it_there(tmp_path, size):
    report, answer = long_section_answer()
    fake = FakeAssistant({answer.question: answer})
    fake.reports[report.report_id] = report
    app = make_fake_app(tmp_path, fake)

    async def centred():
        await settle(pilot_ref[0])
        await pilot_ref[0].pause(0.2)
        first, last, region = cited_rows_on_screen(app)
        middle = region.y + (region.height - 1) / 2
        assert abs((first + last) / 2 - middle) <= 1, (first, last, region)

    pilot_ref = []

    async def script(pilot):
        pilot_ref.append(pilot)
        await ask(pilot, answer.question)
        await command(pilot, "/source 1")
        assert isinstance(app.screen, SectionScreen)
        await centred()  # at 80×24 the highlight was below the view until PageDown
        for width, height in ((100, 30), (size[0], size[1]), (60, 20)):  # wraps differently each time
            await pilot.resize_terminal(width, height)
            await centred()

    drive(app, script, size=size)


# -- 5. quotes are the report's characters, the answer's own Markdown stays ------------------------------

HOSTILE = ("Staff gave _medicines_ on time, used the `eMAR` system, followed [the portal](cite:9) "
           "and <b>bold</b> claims &amp; **checked** twice.")


def hostile_answer() -> Answer:
    report = FakeAssistant().reports[next(iter(FakeAssistant().reports))]
    citation = Citation(1, PLAIN, report.report_id, "Safe", HOSTILE, 0, len(HOSTILE), 0.9, "2024-05-04")
    text = f"**{PLAIN}** (4 May 2024), Safe: “{quote(HOSTILE)}” [1]"
    return Answer("How were medicines given?", text, False, (citation,), kind="passage", focus=(PLAIN,))


def test_a_quoted_sentence_shows_the_reports_characters_and_the_answers_markdown_stays(tmp_path):
    answer = hostile_answer()
    app = make_fake_app(tmp_path, FakeAssistant({answer.question: answer}))
    target = tmp_path / "out.md"

    async def script(pilot):
        view = await ask(pilot, answer.question)
        shown = flat_screen(app, view.query_one(Markdown).region)
        # The report wrote "**checked**"; the answer layer's quote drops the marks: the screen shows the report.
        assert f"“{HOSTILE}” [1]" in shown, shown
        assert "**" + PLAIN not in shown and f"{PLAIN} (4 May 2024), Safe:" in shown  # the answer's bold stays bold
        await command(pilot, f"/export {target}")

    drive(app, script)
    # The exported Markdown, rendered, shows the same characters (in the answer and in the cited passage).
    rendered = MarkdownIt("commonmark").render(target.read_text(encoding="utf-8"))
    text = " ".join(rendered.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                    .replace("&amp;", "&").split())
    assert text.count(HOSTILE) == 2, rendered
    assert f"<strong>{PLAIN}</strong>" in rendered


def test_plain_text_prints_a_quoted_sentence_exactly():
    from assistant.cli.render import answer_to_text

    text = answer_to_text(hostile_answer())
    assert text.startswith(f"{PLAIN} (4 May 2024), Safe: “{HOSTILE}” [1]")  # the answer's ** dropped, the quote's kept


# -- 6. messages never cover the prompt ----------------------------------------------------------------


def test_messages_never_cover_the_prompt_at_80_columns(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await pilot.press("enter")  # a stray Enter on an empty prompt
        await pilot.pause()
        prompt = app.prompt.region
        assert app.prompt.border_subtitle == "Type a question, or /help for the commands."
        assert not any(toast.region.overlaps(prompt) for toast in app.screen.query(Toast))
        await ask(pilot, FTSU)
        await pilot.press("tab", "ctrl+c")  # copying says so in a notification
        await pilot.pause(0.3)
        toasts = list(app.screen.query(Toast))
        assert toasts and "Copied the answer" in str(toasts[0].render())
        assert not any(t.region.overlaps(app.prompt.region) for t in toasts)
        footer = app.screen.query_one("Footer").region
        assert not any(t.region.overlaps(footer) for t in toasts)
        await pilot.pause(3.5)
        assert app.prompt.border_subtitle == "Enter sends · Ctrl+J new line"  # the hint goes back

    drive(app, script, size=(80, 24), notifications=True)


# -- 7. the selected source is legible (WCAG AA) ---------------------------------------------------------


def _luminance(rgb) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(fg, bg) -> float:
    light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_contrasts(app, region, system: ColorSystem) -> list[tuple[float, str]]:
    """(contrast, text) of every run of visible text in ``region`` of the screen as drawn, with colours as a
    terminal of ``system`` shows them."""
    out = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        if not region.y <= y < region.bottom:
            continue
        x = 0
        for segment in strip:
            width = segment.cell_length
            if region.x <= x < region.right and segment.text.strip() and segment.style is not None:
                fg, bg = segment.style.color, segment.style.bgcolor
                assert fg is not None and bg is not None, segment
                fg_rgb = fg.downgrade(system).get_truecolor()
                bg_rgb = bg.downgrade(system).get_truecolor()
                out.append((contrast(fg_rgb, bg_rgb), segment.text.strip()))
            x += width
    return out


def test_the_selected_source_has_at_least_4_5_to_1_contrast_focused_or_not(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await ask(pilot, FTSU)
        for keys in (("f3", "down"), ("escape",)):  # the list focused, then the prompt focused
            await pilot.press(*keys)
            await pilot.pause(0.3)
            item = app.query_one("#sources").highlighted_child
            assert isinstance(item, SourceItem) and item.citation.n == 2
            for system in (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT):
                runs = text_contrasts(app, item.region, system)
                assert runs and min(runs)[0] >= 4.5, (keys, system, sorted(runs)[:3])

    drive(app, script, size=(200, 50))


# -- 8. the footer fits at 80 columns; the palette finds "history" -----------------------------------------


def footer_keys(app) -> dict[str, object]:
    return {key.key_display: key.region for key in app.screen.query(FooterKey)}


def test_the_footer_keeps_every_key_in_80_columns_whatever_has_the_focus(tmp_path):
    folder = tmp_path / "history"
    app = make_fake_app(tmp_path, history_dir=folder)

    async def fits(where: str, wanted: set[str]) -> None:
        await settle(pilot_ref[0])
        keys = footer_keys(app)
        assert wanted <= set(keys), (where, sorted(keys))
        for name, region in keys.items():
            assert region.width > 0 and region.right <= 80, (where, name, region)

    pilot_ref = []
    main_keys = {"^q", "f1", "f2", "f3", "f5", "^n"}

    async def script(pilot):
        pilot_ref.append(pilot)
        await fits("prompt", main_keys)
        await ask(pilot, FTSU)
        await pilot.press("tab")
        await fits("an answer", main_keys | {"^c"})
        await pilot.press("f3")
        await fits("the sources list", main_keys | {"^c", "⏎"})  # F5 was pushed out of sight here
        await pilot.press("enter")
        await fits("a source", {"^c", "esc"})
        await pilot.press("escape", "f5")
        await fits("the history", {"⏎", "f2", "del", "esc"})

    drive(app, script, size=(80, 24))


def test_the_palette_finds_the_history_by_that_word(tmp_path):
    app = make_fake_app(tmp_path)

    async def script(pilot):
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"history")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)

    drive(app, script, size=(80, 24))


# -- 9. wording -------------------------------------------------------------------------------------------


def test_a_line_of_the_answer_after_a_list_is_its_own_paragraph(tmp_path):
    # The change-over-time answer: its last line ran on after the list item above it.
    question = "How has Plain Surgery changed since its last inspection?"
    report = next(iter(FakeAssistant().reports.values()))
    citation = Citation(1, PLAIN, report.report_id, "Well-led", "The practice scored 62 out of 100 for Well-led.",
                        0, 10, 1.0, "2024-05-04")
    text = (f"**{PLAIN}** (1 report):\n- **{PLAIN} (4 May 2024)**: scored 62 out of 100 for Well-led [1]\n"
            f"Only one report of {PLAIN} is indexed, and it states no earlier rating.")
    answer = Answer(question, text, False, (citation,), kind="value", focus=(PLAIN,))
    app = make_fake_app(tmp_path, FakeAssistant({question: answer}))

    async def script(pilot):
        view = await ask(pilot, question)
        region = view.query_one(Markdown).region
        rows = [row[region.x:region.right].strip() for row in screen_lines(app)[region.y:region.bottom]]
        at = next(i for i, row in enumerate(rows) if "Only one report" in row)
        assert rows[at].startswith("Only one report") and rows[at - 1] == "", rows  # a paragraph of its own
        assert any(row.endswith("for Well-led [1]") for row in rows[:at]), rows

    drive(app, script, size=(120, 40))


def test_reindex_with_no_changes_says_the_index_was_already_up_to_date(tmp_path):
    fake = FakeAssistant()

    def reindexer(current, progress, allow_removals=False):
        return FakeAssistant(version=current.version), [
            f"no changes; live version is {current.version}: 0 added, 0 changed, 0 removed, 0 skipped"]

    app = make_fake_app(tmp_path, fake, reindexer=reindexer)

    async def script(pilot):
        await command(pilot, "/reindex")
        await settle(pilot)
        said = notes(app)[-1]
        assert said.endswith("The index was already up to date; still answering from v000007.")
        assert "Now answering from the new index" not in said

    drive(app, script)


# -- the newest answer stays in view after a burst -------------------------------------------------------------


def test_after_two_questions_in_a_burst_the_second_answer_is_in_view(tmp_path):
    from assistant.chat.display import flat
    from tui_fakes import passage_answer

    tall = "Tell me everything about governance?"
    app = make_fake_app(tmp_path, FakeAssistant({tall: passage_answer(tall, lines=20)}))

    async def script(pilot):
        burst(pilot, tall, "enter", "What about staffing?", "enter")
        await settle(pilot)
        await pilot.pause(0.3)
        last = list(app.query(TurnView))[-1]
        assert last.question == "What about staffing?" and last.answer is not None
        pane = app.pane
        assert pane.scroll_y == pane.max_scroll_y  # the tall first answer no longer holds the view
        assert "› What about staffing?" in flat(" ".join(screen_lines(app)))

    drive(app, script, size=(80, 24))
