"""The "ready to paste" text export of a written question is plain text: no Markdown marks,
lines wrapped for an e-mail, numbered sub-questions with a hanging indent."""

from __future__ import annotations

from undersigned.batch.build import build
from undersigned.render.filters import plain

QUESTION = "question-dzhakishev-tokmadi"


def test_the_export_carries_no_markdown_marks_and_wraps_at_72(example):
    path = example / "campaign.yaml"
    text = path.read_text()
    text = text.replace("Mukhtar Dzhakishev, former head of Kazatomprom, and the businessman\n"
                        "      Muratkhan Tokmadi are",
                        "*Mukhtar Dzhakishev*, former head of **Kazatomprom**, and the "
                        "[businessman](https://example.org/tokmadi)\n      `Muratkhan Tokmadi` "
                        "are", 1)
    text = text.replace("      - How will the EU respond to the coercion of Mr Tokmadi and "
                        "his relatives?",
                        "      - How will the EU respond to the *coercion* of Mr Tokmadi "
                        "and his relatives, and to the reports of the pressure on his "
                        "friends?", 1)
    path.write_text(text)
    assert not build(example, documents=[QUESTION]).failed
    export = (example / "outputs" / f"{QUESTION}.en.txt").read_text()
    body = next(block for block in export.split("\n\n") if block.startswith("Mukhtar"))
    assert body.startswith("Mukhtar Dzhakishev, former head of Kazatomprom, and the businessman\n"
                           "(https://example.org/tokmadi) Muratkhan Tokmadi are")
    for mark in ("*", "`", "[", "]("):
        assert mark not in export
    lines = export.splitlines()
    header = lines[:9]  # the date, title, addressee, rule, authors and subject lines
    assert all(len(line) <= 72 for line in lines if line not in header)
    assert lines[-2:] == [
        "3. How will the EU respond to the coercion of Mr Tokmadi and his",
        "   relatives, and to the reports of the pressure on his friends?"]


def test_plain_text_keeps_link_targets_lists_and_hard_breaks():
    assert plain("See [the opinion](https://www.ohchr.org/x) and <https://a.org>.") == \
        "See the opinion (https://www.ohchr.org/x) and https://a.org."
    assert plain("Write to [us](mailto:office@example.org).") == \
        "Write to us (office@example.org)."
    # Not a link for CommonMark (markdown-it refuses file: targets): printed as written.
    assert plain("A [local](file:///etc/passwd) link") == "A [local](file:///etc/passwd) link"
    assert plain("- one\n- two\n\nAfter.") == "- one\n- two\n\nAfter."
    assert plain("First line  \nsecond line") == "First line\nsecond line"
    assert plain('He said "no".', "ru") == "He said «no»."
    assert plain("x" * 100 + " end") == "x" * 100 + "\nend"  # a long word keeps its line
