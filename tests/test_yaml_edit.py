"""The YAML editor of model/yamlfile.py: an edit changes its own span and keeps every other
byte (comments, quoting, line endings, a byte-order mark), whatever corner of YAML the file
uses; an edit that would reach a value through an alias, or change an anchored value that
is repeated elsewhere, is refused at its place in the original text."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from undersigned.errors import Problems
from undersigned.model.yamlfile import EditRefused, YamlText, read_yaml, render_scalar


def edit(text: str, path: tuple, value) -> str:
    doc = YamlText(text)
    doc.replace(doc.find(*path), render_scalar(value))
    return doc.edited()


def test_a_value_is_replaced_and_nothing_else():
    text = ("# a list\nterm: 8   # the term\t(tab)\nsignatories:\n  - id: kelam\n"
            "    country: NO   # Norway, not false\n    note: on\n")
    assert edit(text, ("signatories", 0, "country"), "EE") == text.replace(
        "country: NO ", "country: EE ")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_line_endings_and_a_byte_order_mark_are_kept(newline, bom):
    text = bom + newline.join(["a: 1", "# c", "b:", "  - {x: 1, y: 2}", "  - x: 3", "    y: 4",
                               ""])
    doc = YamlText(text)
    doc.replace(doc.find("b", 1, "y"), "5")
    doc.add(doc.find("b", 1), [("z", "6")])
    doc.remove(doc.find("b", 0), "y")
    doc.append(doc.find("b"), [("x", "7"), ("y", "8")])
    assert doc.edited() == bom + newline.join(
        ["a: 1", "# c", "b:", "  - {x: 1}", "  - x: 3", "    y: 5", "    z: 6", "  - x: 7",
         "    y: 8", ""])


def test_a_block_scalar_followed_by_another_key_is_replaced_up_to_its_last_line():
    text = "entry:\n  note: |\n    by phone\n    twice\n\n  answer: agreed\n"
    assert edit(text, ("entry", "note"), "by e-mail") == (
        "entry:\n  note: by e-mail\n\n  answer: agreed\n")
    folded = "entry:\n  note: >-\n    a long\n    note\n  answer: agreed  # c\n"
    assert yaml.safe_load(edit(folded, ("entry", "note"), "x: y")) == {
        "entry": {"note": "x: y", "answer": "agreed"}}


def test_keys_are_added_and_removed_by_whole_lines_and_comments_stay_on_theirs():
    text = ("- member: a   # the Chair\n  invited: 2017-10-19\n  # answered by phone\n"
            "  answer: agreed  # by phone\n  note: 'x'   # remove me\n")
    doc = YamlText(text)
    entry = doc.find(0)
    doc.remove(entry, "note")
    doc.add(entry, [("wording", "0123456789ab")], after="answer")
    assert doc.edited() == ("- member: a   # the Chair\n  invited: 2017-10-19\n"
                            "  # answered by phone\n  answer: agreed  # by phone\n"
                            "  wording: 0123456789ab\n")


def test_a_flow_mapping_keeps_its_style():
    text = "m: {member: a, invited: 2017-10-19, answer: agreed, answered: 2017-10-19}  # c\n"
    doc = YamlText(text)
    mapping = doc.find("m")
    doc.replace(mapping.get("answer"), "declined")
    doc.remove(mapping, "invited")
    doc.add(mapping, [("note", render_scalar("yes"))])
    assert doc.edited() == ("m: {member: a, answer: declined, answered: 2017-10-19, "
                            'note: "yes"}  # c\n')


def test_keys_quoted_differently_are_the_same_keys():
    text = "\"documents\":\n  'x': {\"member\": a, 'answer': agreed}\n"
    doc = YamlText(text)
    span = doc.find("documents", "x", "answer")
    doc.replace(span, "declined")
    assert doc.edited() == "\"documents\":\n  'x': {\"member\": a, 'answer': declined}\n"


def test_an_anchor_stays_with_its_value_and_an_alias_is_replaced_alone():
    text = "a: {d: &d 2017-10-19, e: *d}\nb: *d\n"
    doc = YamlText(text)
    doc.replace(doc.find("a", "e"), "2017-10-20")
    assert doc.edited() == "a: {d: &d 2017-10-19, e: 2017-10-20}\nb: *d\n"
    assert yaml.safe_load(doc.edited())["b"] == dt.date(2017, 10, 19)


def test_an_anchored_value_that_is_repeated_is_not_edited_in_place():
    text = "letters:\n  one:\n    - &pz {member: panzeri, answer: agreed}\n  two:\n    - *pz\n"
    doc = YamlText(text)
    with pytest.raises(EditRefused) as refused:
        doc.replace(doc.find("letters", "one", 0, "answer"), "declined")
    assert (refused.value.line, refused.value.column) == (3, 7)  # at &pz
    assert refused.value.message == (
        "this value is anchored (&pz) and repeated through *pz on line 5: an edit here would "
        "change both; write the value out in full in place of *pz, then run again")
    with pytest.raises(EditRefused) as through:
        doc.find("letters", "two", 0, "answer")
    assert (through.value.line, through.value.column) == (5, 7)
    assert "goes through the alias *pz" in through.value.message
    doc.replace(doc.find("letters", "two", 0), "{member: panzeri, answer: declined}")
    assert doc.edited() == text.replace("- *pz", "- {member: panzeri, answer: declined}")


def test_a_merge_key_is_a_key_like_any_other_to_the_editor():
    """The campaign's reader refuses ``<<``; the editor neither expands nor edits through it."""
    text = "base: &b {answer: agreed}\nentry:\n  <<: *b\n  member: a\n"
    doc = YamlText(text)
    assert doc.find("entry", "answer") is None
    with pytest.raises(EditRefused):  # *b repeats it under entry
        doc.replace(doc.find("base", "answer"), "declined")
    doc.add(doc.find("entry"), [("note", "x")])
    assert doc.edited() == text + "  note: x\n"


def test_a_second_document_is_refused_where_it_starts():
    with pytest.raises(EditRefused) as refused:
        YamlText("a: 1\n---\nb: 2\n")
    assert (refused.value.line, refused.value.column, refused.value.message) == (
        2, 1, "a second YAML document; keep one document in the file")


def test_positions_in_the_edited_text_are_taken_back_to_the_original():
    text = "a:\n  - x: 1\n    y: 2\n    z: 3\nb: 4\n"
    doc = YamlText(text)
    entry = doc.find("a", 0)
    doc.remove(entry, "y")
    doc.add(entry, [("w", "5"), ("v", "6")])
    edited = doc.edited()
    assert edited == "a:\n  - x: 1\n    z: 3\n    w: 5\n    v: 6\nb: 4\n"
    assert doc.original_position(6, 1) == (5, 1)  # b: stood on line 5
    assert doc.original_position(3, 5) == (4, 5)  # z: on line 4
    assert doc.original_position(4, 7) == (5, 1)  # inside written text: where it was added


@pytest.mark.parametrize("value, written", [
    ("NO", '"NO"'), ("on", '"on"'), ("1e3", '"1e3"'), ("0012", '"0012"'),
    ("2017-10-19", '"2017-10-19"'), ("Šoltes", "Šoltes"), (dt.date(2017, 10, 19), "2017-10-19"),
    (28365, "28365"), ("a: b", '"a: b"'), ("null", '"null"'),
    ("\U00018cd6", '"\\U00018cd6"'),  # unassigned, outside the BMP: \\U, not \\u18cd + "6"
])
def test_a_value_is_quoted_when_either_yaml_would_read_it_otherwise(value, written):
    assert render_scalar(value) == written


# --- a property: whatever the values and the style, an edit says what was meant ---------

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "undersigned-tests-hypothesis")
fast = settings(max_examples=int(os.environ.get("UNDERSIGNED_FUZZ_EXAMPLES", "150")),
                deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

TRICKY = ["NO", "on", "yes", "~", "null", "1e3", "0012", "2017-10-19", "a: b", "#x", "'",
          '"', "- x", "[x]", "{x}", "Šoltes", "Ağayev", "x  # y", " lead", "trail ", "", "@x",
          "by phone", "by\ttab", "two\nlines", "*pz", "&pz", "<<", "1.0", ".inf", "!x"]
def accepted(text: str) -> bool:
    """Whether the campaign's reader takes ``text`` as a value (it refuses control
    characters, bidirectional overrides, a '?' for a lost letter ...)."""
    problems = Problems()
    read = read_yaml(Path("x.yaml"), "x.yaml", problems,
                     raw=f"k: {render_scalar(text)}\n".encode("utf-8"))
    return read is not None and not problems.errors


values = st.one_of(st.sampled_from(TRICKY), st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)).filter(accepted)
KEYS = ["member", "invited", "answer", "note"]


def written(entries: list[dict], flow: list[bool], newline: str, bom: str) -> str:
    """A list of entries in mixed styles, with comments between and after the lines."""
    lines = ["# opening comment", "entries:  # the list"]
    for entry, is_flow in zip(entries, flow):
        pairs = [(k, render_scalar(v)) for k, v in entry.items()]
        if is_flow:
            lines.append("  - {" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}  # flow")
        else:
            lines += [f"  {'- ' if i == 0 else '  '}{k}: {v}" + ("\t# tab" if i == 1 else "")
                      for i, (k, v) in enumerate(pairs)]
            lines.append("    # between entries")
    return bom + newline.join(lines + ["# closing comment", ""])


def read_back(text: str):
    problems = Problems()
    read = read_yaml(Path("x.yaml"), "x.yaml", problems, raw=text.encode("utf-8"))
    assert read is not None, [str(p) for p in problems.items]
    return read.data


@fast
@given(st.lists(st.fixed_dictionaries({"member": values}, optional={
           "invited": values, "answer": values, "note": values}), min_size=1, max_size=4),
       st.lists(st.booleans(), min_size=4, max_size=4), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from(["", "\ufeff"]), st.data())
def test_any_edit_reads_back_as_meant_and_keeps_every_comment(entries, flow, newline, bom,
                                                              data):
    text = written(entries, flow, newline, bom)
    expected = {"entries": [{k: unicodedata.normalize("NFC", v) for k, v in e.items()}
                            for e in entries]}
    assert read_back(text) == expected
    doc = YamlText(text)
    for index, entry in enumerate(entries):
        span = doc.find("entries", index)
        action = data.draw(st.sampled_from(["replace", "remove", "add", "keep"]))
        present = [k for k in KEYS if k in entry]
        if action == "replace":
            key, value = data.draw(st.sampled_from(present)), data.draw(values)
            doc.replace(span.get(key), render_scalar(value))
            expected["entries"][index][key] = unicodedata.normalize("NFC", value)
        elif action == "remove" and len(present) > 1:
            key = data.draw(st.sampled_from(present[1:]))
            doc.remove(span, key)
            del expected["entries"][index][key]
        elif action == "add" and len(present) < len(KEYS):
            key = next(k for k in KEYS if k not in entry)
            value = data.draw(values)
            doc.add(span, [(key, render_scalar(value))])
            expected["entries"][index][key] = unicodedata.normalize("NFC", value)
    new = data.draw(values)
    doc.append(doc.find("entries"), [("member", render_scalar(new))])
    expected["entries"].append({"member": unicodedata.normalize("NFC", new)})
    edited = doc.edited()
    assert read_back(edited) == expected
    # Between and around the edits, the text is the original's, byte for byte.
    cursor, rest = 0, edited[len(bom):]
    for start, end, new in sorted(doc.edits, key=lambda e: (e[0], e[1])):
        assert rest.startswith(doc.text[cursor:start])
        rest = rest[start - cursor:]
        assert rest.startswith(new)
        rest, cursor = rest[len(new):], end
    assert rest == doc.text[cursor:]
    assert edited.startswith(bom + "# opening comment" + newline + "entries:  # the list")
    assert edited.endswith("# closing comment" + newline)
    for comment in ("# flow", "\t# tab", "# between entries"):
        kept = edited.count(comment)
        assert kept == text.count(comment) or comment == "\t# tab"  # its line may be removed
    assert newline == "\r\n" or "\r" not in edited.replace("\r\n", "")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_block_scalar_that_keeps_its_line_breaks_keeps_them(newline):
    text = newline.join(["e:", "  note: |+", "    by phone", "", "  answer: agreed", ""])
    doc = YamlText(text)
    doc.add(doc.find("e"), [("wording", "0123456789ab")], after="note")
    assert yaml.safe_load(doc.edited())["e"] == {"note": "by phone\n\n", "answer": "agreed",
                                                 "wording": "0123456789ab"}
    doc = YamlText(text)
    doc.replace(doc.find("e", "note"), "x")
    assert doc.edited() == newline.join(["e:", "  note: x", "  answer: agreed", ""])


def test_the_comment_on_a_block_scalars_first_line_stays():
    text = "e:\n  note: |  # from the office\n    by phone\n  answer: agreed\n"
    doc = YamlText(text)
    doc.replace(doc.find("e", "note"), "by e-mail")
    assert doc.edited() == "e:\n  note: by e-mail  # from the office\n  answer: agreed\n"
