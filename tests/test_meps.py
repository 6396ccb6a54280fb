"""``undersigned meps import`` and ``meps check``: signatory lists from the Parliament's own
lists of Members (the open-data CSV in its real Windows-1252 encoding, and the XML list),
and a list checked against them; hostile and broken sources refused with located messages."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import REPO
from undersigned.cli import cli

TERM_8 = REPO / "tests" / "data" / "ep-open-data" / "meps-term-8.csv"
"""The Parliament's list of the 8th term's Members, as published (see its README)."""
XML = REPO / "tests" / "data" / "meps-2017.xml"
EXAMPLE_LIST = REPO / "signatories" / "meps-2017.yaml"
KEPT = ("id", "title", "given", "family", "country", "group", "ep_id")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def example_ids() -> list[int]:
    return [s["ep_id"] for s in yaml.safe_load(EXAMPLE_LIST.read_text())["signatories"]]


def test_the_example_list_is_recreated_from_the_parliaments_lists(tmp_path, example):
    target = tmp_path / "meps-2017.yaml"
    ids = [a for i in example_ids() for a in ("--id", i)]
    result = run("meps", "import", TERM_8, "--term", 8, *ids, "--groups", XML, "-o", target)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {target}: 13 Members from {TERM_8}\n"
    made = yaml.safe_load(target.read_text())
    original = yaml.safe_load(EXAMPLE_LIST.read_text())
    assert made["term"] == 8
    assert [{k: s[k] for k in KEPT} for s in made["signatories"]] == [
        {k: s[k] for k in KEPT} for s in original["signatories"]]
    by_id = {s["ep_id"]: s for s in made["signatories"]}
    assert by_id[125003]["family"] == "Šoltes"  # 0x8A in the Parliament's Windows-1252
    assert by_id[125035]["gender"] == "female"
    assert by_id[124867]["email"] == "brando.benifei@europarl.europa.eu"  # mailto: dropped
    for listed in (target, EXAMPLE_LIST):
        checked = run("meps", "check", listed, TERM_8, "--groups", XML, "--strict")
        assert checked.exit_code == 0, checked.output
        assert checked.output == f"13 Members compared with {TERM_8}: no difference\n"
    # The new list is one the example campaign accepts in place of its own.
    shutil.copy(target, example / "signatories" / "meps-2017.yaml")
    checked = run("check", example)
    assert checked.exit_code == 0, checked.output


def test_check_names_each_difference_where_it_is_written(tmp_path):
    listed = tmp_path / "meps.yaml"
    text = EXAMPLE_LIST.read_text().replace("family: Šoltes", "family: Soltes")
    text = text.replace("ep_id: 124810", "ep_id: 999999")  # Spinelli, an unknown id
    text = text.replace("    ep_id: 4751\n", "")  # Staes, without an id
    listed.write_text(text)
    result = run("meps", "check", listed, TERM_8, "--groups", XML)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    line_of = {key: n for n, line in enumerate(text.splitlines(), start=1)
               for key in ("family: Soltes", "ep_id: 999999", "family: Staes") if key in line}
    assert lines == [
        f"{listed}:{line_of['family: Soltes']}:5: warning: signatories[9].family: the "
        "Parliament spells it 'Šoltes' (Igor ŠOLTES, meps-term-8.csv:" + _row(125003)
        + "); write that",
        f"{listed}:{line_of['ep_id: 999999']}:5: warning: signatories[10].ep_id: no Member has "
        "the EP id 999999 in meps-term-8.csv, the Parliament's list of the 8th term",
        f"{listed}:{line_of['family: Staes']}:5: warning: signatories[11].family: no ep_id; "
        f"Bart STAES is EP id 4751 in meps-term-8.csv (meps-term-8.csv:{_row(4751)}): add "
        "ep_id: 4751",
        f"11 Members compared with {TERM_8}: 3 differences"]
    assert run("meps", "check", listed, TERM_8, "--groups", XML, "--strict").exit_code == 1


def _row(ep_id: int) -> str:
    rows = TERM_8.read_bytes().split(b"\n")
    return str(next(n for n, row in enumerate(rows, start=1)
                    if row.startswith(f"{ep_id},".encode())))


def test_the_csvs_citizenship_is_told_apart_from_the_member_state():
    """The open data gives Kelam's and Paet's citizenship as Spain and Sánchez Caldentey's
    as Estonia; without the XML list, check says so as what it is."""
    result = run("meps", "check", EXAMPLE_LIST, TERM_8)
    assert result.exit_code == 0
    assert ("warning: signatories[4].country: the Parliament's open data gives ES as the "
            "citizenship of Tunne KELAM (meps-term-8.csv:176), not EE; if it is the Member "
            "State of election, write ES (the XML list, given as --groups, has Member "
            "States)") in result.output
    assert result.output.endswith("13 Members compared with "
                                  f"{TERM_8}: 3 differences\n")


def test_updating_a_list_keeps_what_the_user_added(tmp_path):
    listed = tmp_path / "meps.yaml"
    listed.write_text(EXAMPLE_LIST.read_text().replace("family: Šoltes", "family: Soltes"))
    result = run("meps", "import", TERM_8, "--term", 8, "--id", 125003, "--id", 4751,
                 "-o", listed)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"updated {listed}: 2 Members from {TERM_8}\n"
    text = listed.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/signatories.schema.json\n"
                           "# The 13 Members who signed")
    made = yaml.safe_load(text)
    assert made["title"] == "Signatories of the appeals of 19 October 2017"
    assert made["notes"].startswith("The seed article writes GUE/NL")
    first = made["signatories"][0]
    assert first["roles"][0]["en"] == "Chair of the Subcommittee on Human Rights"
    soltes = next(s for s in made["signatories"] if s["ep_id"] == 125003)
    assert (soltes["id"], soltes["family"], soltes["group"]) == ("soltes", "Šoltes", "Verts/ALE")
    assert len(made["signatories"]) == 13


def test_members_are_selected_by_country_group_or_id(tmp_path):
    target = tmp_path / "si.yaml"
    result = run("meps", "import", TERM_8, "--term", 8, "--country", "SI", "-o", target)
    assert result.exit_code == 0, result.output
    made = yaml.safe_load(target.read_text())["signatories"]
    assert len(made) == 8 and {s["country"] for s in made} == {"SI"}
    assert "Šoltes" in {s["family"] for s in made}
    assert "no political group in the source" in result.stderr

    by_group = run("meps", "import", XML, "--term", 8, "--group", "Greens/EFA", "-o",
                   tmp_path / "greens.yaml")
    assert by_group.exit_code == 0, by_group.output
    greens = yaml.safe_load((tmp_path / "greens.yaml").read_text())["signatories"]
    assert [s["family"] for s in greens] == ["Šoltes", "Staes"]  # from the XML's capitals

    no_groups = run("meps", "import", TERM_8, "--term", 8, "--group", "S&D", "-o",
                    tmp_path / "x.yaml")
    assert no_groups.exit_code == 1
    assert no_groups.output == ("error: this list has no political groups (the open-data CSV "
                                "has none); select by group with the XML list as --groups, "
                                "or by --id\n")
    committee = run("meps", "import", TERM_8, "--term", 8, "--committee", "DROI", "-o",
                    tmp_path / "x.yaml")
    assert committee.exit_code == 1
    assert "do not say who sits on which committee" in committee.output
    unknown_group = run("meps", "import", XML, "--term", 8, "--group", "Renew", "-o",
                        tmp_path / "x.yaml")
    assert unknown_group.output.startswith("error: 'Renew' is not a group of the 8th term (PPE,")
    assert not (tmp_path / "x.yaml").exists()


XML_ATTACKS = {
    "external-entity": ('<?xml version="1.0"?>\n<!DOCTYPE meps [<!ENTITY x SYSTEM '
                        '"file://{secret}">]>\n<meps><mep><fullName>A &x; B</fullName>'
                        "<id>1</id></mep></meps>\n"),
    "billion-laughs": ('<?xml version="1.0"?>\n<!DOCTYPE meps [<!ENTITY a "lol">'
                       '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                       '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
                       "<meps><mep><fullName>&c;</fullName><id>1</id></mep></meps>\n"),
    "external-dtd": ('<?xml version="1.0"?>\n<!DOCTYPE meps SYSTEM "file://{secret}">\n'
                     "<meps/>\n"),
    "parameter-entity": ('<?xml version="1.0"?>\n<!DOCTYPE meps [<!ENTITY % p SYSTEM '
                         '"file://{secret}"> %p;]>\n<meps/>\n'),
}


@pytest.mark.parametrize("attack", sorted(XML_ATTACKS))
def test_xml_with_entities_or_a_dtd_is_refused_unexpanded(attack, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    source = tmp_path / "meps.xml"
    source.write_text(XML_ATTACKS[attack].format(secret=secret))
    target = tmp_path / "out.yaml"
    result = run("meps", "import", source, "--term", 8, "-o", target)
    assert result.exit_code == 1
    assert result.output.startswith("meps.xml: refused: the XML declares ")
    assert "nothing was expanded or fetched" in result.output
    assert "TOP-SECRET" not in result.output and "Traceback" not in result.output
    assert not target.exists()


BROKEN = {
    # name: (file content as bytes, extra options, the first line of the output)
    "not-well-formed": (b"<meps><mep><fullName>A B</mep></meps>", (),
                        "meps.xml:1:27: not well-formed XML: mismatched tag\n"),
    "wrong-root": (b"<members/>", (), "meps.xml:1:1: the root element is <members>; the "
                   "Parliament's list is <meps><mep>\u2026</mep></meps>"),
    "missing-columns": (b"id,name\n1,A\n", (), "meps.xml:1: no column mep_identifier, "
                        "mep_given_name, mep_family_name: this is not the Parliament's "
                        "open-data list of Members"),
    "duplicate-id": (b"mep_identifier,mep_given_name,mep_family_name\n7,Ann,ONE\n7,Bob,Two\n",
                     (), "meps.xml:3: id: the EP id 7 is listed twice (first at meps.xml:2)"),
    "bad-id": (b"mep_identifier,mep_given_name,mep_family_name\nx7,Ann,One\n", (),
               "meps.xml:2: mep_identifier: 'x7' is not an EP id (a number)"),
    "declared-encoding-wrong": (
        "mep_identifier,mep_given_name,mep_family_name\n7,Igor,Šoltes\n".encode("cp1252"),
        ("--encoding", "utf-8"), "meps.xml:2: byte 0x8a is not utf-8; declare the file's "
        "encoding (--encoding cp1252, for example)"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_source_gets_a_located_message(name, tmp_path):
    data, options, first = BROKEN[name]
    source = tmp_path / "meps.xml"
    source.write_bytes(data)
    result = run("meps", "import", source, "--term", 8, *options, "-o", tmp_path / "o.yaml")
    assert result.exit_code == 1, result.output
    assert (result.output.splitlines()[0] + "\n").startswith(first), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.yaml").exists()


def test_exports_as_people_make_them_are_read(tmp_path):
    """A semicolon-separated export with a byte-order mark, empty rows, and UTF-8."""
    source = tmp_path / "export.csv"
    source.write_bytes("\ufeffmep_identifier;mep_given_name;mep_family_name;mep_citizenship\n"
                       "125003;Igor;Šoltes;Slovenia\n;;;\n\n4751;Bart;Staes;Belgium\n"
                       .encode("utf-8"))
    target = tmp_path / "o.yaml"
    result = run("meps", "import", source, "--term", 8, "-o", target)
    assert result.exit_code == 0, result.output
    made = yaml.safe_load(target.read_text())["signatories"]
    assert [(s["family"], s["country"]) for s in made] == [("Šoltes", "SI"), ("Staes", "BE")]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "symlink", "missing"])
def test_a_source_that_is_not_a_plain_file_is_refused(kind, tmp_path):
    source = tmp_path / "meps.csv"
    if kind == "fifo":
        os.mkfifo(source)
    elif kind == "dev-zero":
        source = Path("/dev/zero")
    elif kind == "symlink":
        source.symlink_to(TERM_8)
    result = run("meps", "import", source, "--term", 8, "-o", tmp_path / "o.yaml")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {source}: ")
    assert result.output.rstrip().endswith({
        "fifo": "is not a regular file", "dev-zero": "is not a regular file",
        "symlink": "is a symbolic link; give the file itself",
        "missing": "cannot read: No such file or directory"}[kind])


@pytest.fixture
def server(tmp_path):
    """A web server on 127.0.0.1 serving tmp_path (no network beyond this machine)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = lambda *a: Quiet(*a, directory=str(tmp_path))  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_url_is_downloaded(server, tmp_path):
    shutil.copy(TERM_8, tmp_path / "meps-term-8.csv")
    target = tmp_path / "o.yaml"
    result = run("meps", "import", f"{server}/meps-term-8.csv", "--term", 8, "--id", 125003,
                 "-o", target)
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(target.read_text())["signatories"][0]["family"] == "Šoltes"
    missing = run("meps", "import", f"{server}/nothing.csv", "--term", 8, "-o", target)
    assert missing.exit_code == 1
    assert missing.output == (f"error: {server}/nothing.csv: the server answered 404 File not "
                              "found\n")


def test_offline_is_said_plainly(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("meps", "import", f"http://127.0.0.1:{port}/meps.csv", "--term", 8,
                 "-o", tmp_path / "o.yaml")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: http://127.0.0.1:{port}/meps.csv: cannot "
                                    "download ([Errno 111] Connection refused); are you "
                                    "offline?")


def test_a_broken_list_to_update_or_check_is_said_without_a_traceback(tmp_path):
    broken = tmp_path / "meps.yaml"
    broken.write_text("term: 8\nsignatories: [a\n")
    result = run("meps", "import", TERM_8, "--term", 8, "--id", 28365, "-o", broken)
    assert result.exit_code == 1
    assert result.output == (f"error: {broken}:2:14: invalid YAML: the '[' opened here is "
                             "never closed; close it, or put a text that starts with '[' in "
                             "double quotes; fix the list to update, or import into a new "
                             "file; nothing was written\n")
    assert broken.read_text() == "term: 8\nsignatories: [a\n"  # nothing lost
    not_a_list = tmp_path / "list.yaml"
    not_a_list.write_text("- 1\n- 2\n")
    checked = run("meps", "check", not_a_list, TERM_8)
    assert checked.exit_code == 2
    assert checked.output.endswith("error: the list has no term: give --term "
                                   "(see: undersigned meps check --help)\n")


# --- updating a list: an edit in place, never a re-dump (issues 20 and 27) ---------------


def hand_edited_list() -> str:
    """The example list as people edit it: YAML 1.1's booleans that YAML 1.2 reads as text,
    a comment with a tab between entries, a comment after a value, Šoltes without his
    diacritic."""
    text = EXAMPLE_LIST.read_text()
    start = text.index("notes: >-")
    text = text[:start] + "notes: on\n" + text[text.index("signatories:"):]
    text = text.replace("  - id: benifei\n", "  # Benifei: confirmed by phone\t(Rome)\n"
                        "  - id: benifei\n")
    kelam = text.index("country: EE")
    text = text[:kelam] + "country: NO  # Norway, to test" + text[kelam + len("country: EE"):]
    return text.replace("family: Šoltes", "family: Soltes")


def test_an_update_keeps_every_byte_it_does_not_change(tmp_path):
    """``country: NO`` stays Norway, ``notes: on`` stays text, comments in the middle and at
    the end of lines stay: the update changes the Parliament's fields and nothing else."""
    listed = tmp_path / "meps.yaml"
    before = hand_edited_list().encode("utf-8")
    listed.write_bytes(before)
    result = run("meps", "import", TERM_8, "--term", 8, "--id", 125003, "--id", 4751,
                 "-o", listed)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"updated {listed}: 2 Members from {TERM_8}\n"
    line = hand_edited_list().splitlines().index("    family: Soltes") + 1
    assert result.stderr == (f"{listed}:{line}:5: warning: signatories[9].family: 'Soltes' "
                             "replaced by the Parliament's 'Šoltes' (no earlier import of this "
                             "Member is recorded)\n")
    expected = (before.replace(b"family: Soltes", "family: Šoltes".encode())
                .replace(b"    country: SI\n    group: Verts/ALE\n",
                         b"    country: SI\n    group: Verts/ALE\n    gender: male\n")
                .replace(b"    country: BE\n    group: Verts/ALE\n",
                         b"    country: BE\n    group: Verts/ALE\n    gender: male\n"))
    assert listed.read_bytes() == expected
    # The same import again changes nothing at all.
    again = run("meps", "import", TERM_8, "--term", 8, "--id", 125003, "--id", 4751,
                "-o", listed)
    assert again.exit_code == 0 and again.stderr == ""
    assert listed.read_bytes() == expected


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_list_to_update_not_in_utf8_is_refused_in_one_line(tmp_path, encoding):
    listed = tmp_path / "meps.yaml"
    before = hand_edited_list().replace("Soltes", "Šoltes").replace(
        "# Benifei", "# Benifei (à Rome)").encode(encoding, "replace")
    listed.write_bytes(before)
    result = run("meps", "import", TERM_8, "--term", 8, "--id", 125003, "-o", listed)
    assert result.exit_code == 1
    line = hand_edited_list().splitlines().index("  # Benifei: confirmed by phone\t(Rome)") + 1
    assert result.output == (f"error: {listed}:{line}:14: not valid UTF-8 (byte 0xe0); save "
                             "the file as UTF-8 (a Latin-1 or Windows-1252 file?); the list to "
                             "update was not changed\n")
    assert listed.read_bytes() == before
    assert not (tmp_path / "meps.import.json").exists()


CSV_HEADER = "mep_identifier,mep_honorific_prefix,mep_given_name,mep_family_name,mep_gender," \
             "mep_citizenship,mep_email\n"


def write_source(folder: Path, rows: list[str]) -> Path:
    source = folder / "meps.csv"
    source.write_text(CSV_HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return source


def test_a_second_import_keeps_what_was_corrected_by_hand(tmp_path):
    """Issue 27: corrections (a country, a repaired name, an e-mail) survive the next import,
    each said at its line; a field nobody touched follows the Parliament's list."""
    source = write_source(tmp_path, [
        "1001,Ms,Isabel,Santos,female,Portugal,"
        "icsantos@example.org; mailto:isabel.santos@europarl.europa.eu",
        "1002,Mr,Nesimi,Agayev,male,Germany,mailto:nesimi.agayev@europarl.europa.eu",
        "1003,Ms,Anna,Fotyga,female,Poland,anna.fotyga@europarl.europa.eu"])
    listed = tmp_path / "signatories" / "list.yaml"
    first = run("meps", "import", source, "--term", 9, "-o", listed)
    assert first.exit_code == 0, first.output
    assert first.stdout == f"wrote {listed}: 3 Members from {source}\n"
    assert first.stderr.splitlines()[0] == (
        f"{source.name}:2: warning: mep_email: Isabel SANTOS: 2 e-mail addresses in one cell; kept "
        "icsantos@example.org, left out isabel.santos@europarl.europa.eu (a Member has one "
        "email:)")
    made = yaml.safe_load(listed.read_text())["signatories"]
    assert [s["email"] for s in made] == ["icsantos@example.org",
                                          "nesimi.agayev@europarl.europa.eu",
                                          "anna.fotyga@europarl.europa.eu"]
    assert (tmp_path / "signatories" / "list.import.json").is_file()
    corrected = (listed.read_text()
                 .replace("country: PT", "country: LU  # elected in Luxembourg")
                 .replace("family: Agayev", "family: Ağayev")
                 .replace("anna.fotyga@europarl", "afotyga@europarl"))
    listed.write_text(corrected)
    # The Parliament changes an address nobody corrected by hand.
    write_source(tmp_path, [
        "1001,Ms,Isabel,Santos,female,Portugal,isabel.santos@europarl.europa.eu",
        "1002,Mr,Nesimi,Agayev,male,Germany,mailto:n.agayev@europarl.europa.eu",
        "1003,Ms,Anna,Fotyga,female,Poland,anna.fotyga@europarl.europa.eu"])
    second = run("meps", "import", source, "--term", 9, "-o", listed)
    assert second.exit_code == 0, second.output
    assert second.stdout == f"updated {listed}: 3 Members from {source}\n"
    lines = corrected.splitlines()

    def at(needle: str) -> str:
        number = next(n for n, line in enumerate(lines, 1) if needle in line)
        return f"{listed}:{number}:3"  # safe_dump writes "- id:" at the margin

    assert second.stderr.splitlines()[:3] == [
        f"{at('country: LU')}: warning: signatories[0].country: kept 'LU', changed by hand "
        "since the last import (which wrote 'PT'); the Parliament's list says 'PT'",
        f"{at('family: Ağayev')}: warning: signatories[1].family: kept 'Ağayev', changed by "
        "hand since the last import (which wrote 'Agayev'); the Parliament's list says "
        "'Agayev'",
        f"{at('afotyga')}: warning: signatories[2].email: kept 'afotyga@europarl.europa.eu', "
        "changed by hand since the last import (which wrote 'anna.fotyga@europarl.europa.eu'); "
        "the Parliament's list says 'anna.fotyga@europarl.europa.eu'"]
    assert listed.read_text() == corrected.replace(
        "email: icsantos@example.org", "email: isabel.santos@europarl.europa.eu").replace(
        "email: nesimi.agayev@", "email: n.agayev@")
    # And a third run says the same, and changes nothing.
    third = run("meps", "import", source, "--term", 9, "-o", listed)
    assert third.stderr.splitlines()[:3] == second.stderr.splitlines()[:3]


@pytest.mark.parametrize("number", [8, 9, 10])
def test_the_left_and_gue_ngl_are_one_group_in_every_term(number):
    """Issue 27: "The Left" was accepted as a group of its own beside GUE/NGL."""
    from undersigned.model.terms import TERMS

    term = TERMS[number]
    spellings = ["The Left", "GUE/NGL", "Left", "GUE", "European United Left",
                 "The Left group in the European Parliament - GUE/NGL",
                 "Confederal Group of the European United Left - Nordic Green Left"]
    assert len({term.find_group(written) for written in spellings}) == 1
    assert None not in {term.find_group(written) for written in spellings}
    left = [g for g in term.groups if {g.ep, *g.also} & {"GUE/NGL", "The Left"}]
    assert len(left) == 1
    if number == 9:  # renamed during the term: both acronyms are the one group
        assert term.group("The Left") is term.group("GUE/NGL") is left[0]


def test_a_list_of_flow_entries_with_crlf_and_a_byte_order_mark_keeps_them(tmp_path):
    listed = tmp_path / "meps.yaml"
    before = ("\ufeff# hand-made\r\nterm: 8\r\nsignatories:\r\n"
              "  - {id: soltes, title: Mr, given: Igor, family: Soltes, country: SI, "
              "group: Greens/EFA, ep_id: 125003}  # the Greens' form of the group\r\n"
              "  - {id: staes, given: Bart, family: Staes, country: BE, ep_id: 4751}\r\n")
    listed.write_bytes(before.encode("utf-8"))
    result = run("meps", "import", TERM_8, "--term", 8, "--id", 125003, "--id", 28365,
                 "--groups", XML, "-o", listed)
    assert result.exit_code == 0, result.output
    after = listed.read_bytes().decode("utf-8")
    assert after == before.replace("family: Soltes", "family: Šoltes").replace(
        "ep_id: 125003}", "gender: male, ep_id: 125003}").replace(
        "ep_id: 4751}\r\n", "ep_id: 4751}\r\n  - {id: panzeri, title: Mr, given: Pier Antonio, "
        "family: Panzeri, country: IT, group: S&D, gender: male, ep_id: 28365}\r\n") + (
        'title: "Members of the 8th term, from meps-term-8.csv"\r\n')


def test_an_import_that_changes_nothing_leaves_the_files_alone(tmp_path):
    source = write_source(tmp_path, ["1003,Ms,Anna,Fotyga,female,Poland,a.fotyga@example.org"])
    listed = tmp_path / "list.yaml"
    first = run("meps", "import", source, "--term", 9, "-o", listed)
    assert first.exit_code == 0, first.output
    record = tmp_path / "list.import.json"
    inodes = (listed.stat().st_ino, record.stat().st_ino)
    again = run("meps", "import", source, "--term", 9, "-o", listed)
    assert again.exit_code == 0
    assert again.stderr == first.stderr == (f"{listed}: warning: signatories[0]: Anna Fotyga: "
                                            "no political group in the source; add group: (or "
                                            "give --groups with the Parliament's XML list)\n")
    assert (listed.stat().st_ino, record.stat().st_ino) == inodes


def test_a_record_that_is_not_one_is_refused_in_one_line(tmp_path):
    source = write_source(tmp_path, ["1003,Ms,Anna,Fotyga,female,Poland,a.fotyga@example.org"])
    listed = tmp_path / "list.yaml"
    assert run("meps", "import", source, "--term", 9, "-o", listed).exit_code == 0
    record = tmp_path / "list.import.json"
    record.write_text("{not json")
    before = listed.read_bytes()
    result = run("meps", "import", source, "--term", 9, "-o", listed)
    assert result.exit_code == 1
    assert result.output == (f"error: {record}: not the record of an import; delete it (the "
                             "next import then takes every field from the Parliament's list) "
                             "and run again\n")
    assert listed.read_bytes() == before and record.read_text() == "{not json"
