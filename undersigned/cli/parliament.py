"""The Parliament's lists of Members: ``meps import`` and ``meps check``."""

from __future__ import annotations

from pathlib import Path

import click

from .app import Group, cli, count, strict_option


@cli.group(cls=Group)
def meps():
    """The European Parliament's lists of Members: import a signatory list, or check one.

    A source is the Parliament's open-data CSV (data_v1_meps_N_en.csv, any encoding:
    UTF-8, or Windows-1252 as served) or its XML list of Members, as a file or a URL.

    \b
    Example:
      undersigned meps import meps-term-8.csv --term 8 --id 28365 --id 124867 \\
          --groups meps.xml -o signatories/meps-2017.yaml
      undersigned meps check signatories/meps-2017.yaml meps-term-8.csv
    """


def _term(number: int):
    from ..model.terms import TERMS

    if number not in TERMS:
        raise click.BadParameter(f"the toolkit knows the terms {', '.join(map(str, TERMS))}",
                                 param_hint="--term")
    return TERMS[number]


groups_option = click.option(
    "--groups", "groups_source", help="The Parliament's XML list of Members, for the groups "
    "(and Member States) the open-data CSV does not have.")
encoding_option = click.option("--encoding", help="The CSV's encoding, if not UTF-8 or "
                               "Windows-1252 (which are recognised).")


@meps.command(name="import")
@click.argument("source")
@click.option("--term", "term_number", type=int, required=True, help="The parliamentary term.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="The signatory list to write or update (default: "
                   "signatories/meps-term-N.yaml).")
@click.option("--id", "ids", type=int, multiple=True, help="A Member's EP id, in the order "
              "the list is to have them (repeatable).")
@click.option("--group", "groups", multiple=True, help="Only Members of this political group.")
@click.option("--country", "countries", multiple=True, help="Only Members for this country "
              "(ISO code).")
@click.option("--committee", "committees", multiple=True, help="Only members of this "
              "committee, where the source says who is.")
@groups_option
@encoding_option
def meps_import(source, term_number, output, ids, groups, countries, committees,
                groups_source, encoding):
    """Write a signatory list from the Parliament's list of Members (or update one).

    Names keep the Parliament's spelling with its diacritics; the country becomes an ISO
    code; gender, e-mail and EP id are kept. Updating a list edits it in place: what was
    added to it (roles, titles, notes, ids, comments) stays byte for byte, and a field
    changed by hand since the last import is kept and reported (NAME.import.json beside
    the list records what each import wrote).

    \b
    Example:
      undersigned meps import meps-term-8.csv --term 8 --country SI -o signatories/si.yaml
    """
    from ..meps.lists import Selection, import_file
    from ..meps.sources import read_source, with_memberships

    term = _term(term_number)
    members = read_source(source, term, encoding)
    selection = Selection(list(ids), list(groups), list(countries), list(committees))
    if groups_source:
        members = with_memberships(members, read_source(groups_source, term, encoding))
    chosen = selection.choose(members, term)
    if not chosen:
        raise click.ClickException("no Member of the source matches the selection")
    output = output or Path("signatories") / f"meps-term-{term.number}.yaml"
    result = import_file(output, chosen, term, source.rsplit("/", 1)[-1])
    for note in result.notes:
        click.echo(str(note), err=True)
    click.echo(f"{'wrote' if result.created else 'updated'} {output}: "
               f"{count(len(chosen), 'Member')} from {source}")


@meps.command(name="check")
@click.argument("signatory_list", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("source")
@click.option("--term", "term_number", type=int, help="The term (default: the list's).")
@groups_option
@encoding_option
@strict_option
def meps_check(signatory_list, source, term_number, groups_source, encoding, strict):
    """Compare a signatory list with the Parliament's list of Members.

    Each EP id unknown for the term, name spelt otherwise than the Parliament spells it
    (Soltes for Šoltes), country or group that differs is a warning at its line, with
    the Parliament's form to write. Exit status 0, or 1 with --strict if any differs.

    \b
    Example:
      undersigned meps check signatories/meps-2017.yaml meps-term-8.csv
    """
    from ..errors import Problems
    from ..meps.lists import check_list
    from ..meps.sources import read_source, with_memberships
    from ..model.yamlfile import read_yaml

    problems = Problems()
    loaded = read_yaml(signatory_list, str(signatory_list), problems)
    if loaded is None:
        from ..errors import CampaignInvalid

        raise CampaignInvalid(problems.items)
    data = loaded.data if isinstance(loaded.data, dict) else {}
    number = term_number or data.get("term")
    if not isinstance(number, int):
        raise click.UsageError("the list has no term: give --term")
    term = _term(number)
    members = read_source(source, term, encoding)
    if groups_source:
        members = with_memberships(members, read_source(groups_source, term, encoding))
    compared = check_list(loaded, members, term, source.rsplit("/", 1)[-1], problems)
    for problem in problems.items:
        click.echo(str(problem), err=True)
    differences = len(problems.items)
    click.echo(f"{count(compared, 'Member')} compared with {source}: "
               + (f"{count(differences, 'difference')}" if differences else "no difference"))
    if problems.errors or (strict and differences):
        raise SystemExit(1)
