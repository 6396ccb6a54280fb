"""Collecting co-signatures and delivering the letter: ``respond``, ``signatures``,
``invite``, ``send``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import campaign_argument, cli, count, print_warnings, shown


@cli.command()
@click.argument("document")
@click.argument("member_and_dir", nargs=-1, metavar="[MEMBER] [DIR]")
@click.option("--agreed", "answer", flag_value="agreed", help="The Member agreed to co-sign.")
@click.option("--declined", "answer", flag_value="declined", help="The Member declined.")
@click.option("--withdrawn", "answer", flag_value="withdrawn",
              help="The Member agreed, then withdrew.")
@click.option("--invited", "answer", flag_value="invited",
              help="Record an invitation (no answer yet).")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="The date of the answer (or invitation); default: today.")
@click.option("--note", help="How the answer came (never printed).")
@click.option("--from", "table", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CSV", help="Record every answer of a spreadsheet (CSV) instead.")
@click.option("--delimiter", metavar="CHAR", help="The CSV's delimiter: , ; or tab "
              "(default: detected).")
def respond(document: str, member_and_dir, answer, on, note, table, delimiter):
    """Record Members' answers to a letter's sign-on in campaign.yaml.

    Edits only the Member's entry under sign_on.members (a Member of the list not
    yet invited gets a new one); comments and layout stay as they are. --agreed
    also records the fingerprint of the wording agreed to. With --from, every row
    of the spreadsheet is checked first and all are recorded, or none.

    \b
    Example:
      undersigned respond appeal-political-prisoners panzeri --agreed --on 2017-10-19
      undersigned respond appeal-political-prisoners --from answers.csv
    """
    from ..answers.record import respond as record_one, respond_from
    from ..errors import printable
    from ..model.signon import Answer

    wanted = 0 if table else 1
    if not wanted <= len(member_and_dir) <= wanted + 1:
        raise click.UsageError("give DOC and DIR with --from" if table else
                               "give DOC, MEMBER and optionally DIR")
    campaign_dir = Path(member_and_dir[wanted]) if len(member_and_dir) > wanted else Path(".")
    if table:
        if answer or on or note:
            raise click.UsageError("with --from, the answers, dates and notes come from the "
                                   "spreadsheet")
        outcome = respond_from(campaign_dir, document, table, delimiter)
    else:
        if answer is None:
            raise click.UsageError("say the answer: --agreed, --declined, --withdrawn or "
                                   "--invited")
        outcome = record_one(campaign_dir, document, member_and_dir[0], Answer(answer),
                             on.date() if on else None, note)
    for done in outcome.recorded:
        was = ("already recorded" if not done.changed else
               "added: not invited before" if done.previous is None else
               f"was {done.previous.value}")
        what = "invited" if done.answer is Answer.INVITED else done.answer.value
        wording = f", wording {done.wording}" if done.wording else ""
        click.echo(printable(f"{done.member.id}: {what} on {done.on}{wording} ({was})"))
    changed = sum(d.changed for d in outcome.recorded)
    click.echo(f"{document}: {count(changed, 'answer')} recorded in "
               f"{campaign_dir / 'campaign.yaml'}" if outcome.written else
               f"{document}: nothing to change")
    print_warnings(outcome.warnings)


@cli.command()
@click.argument("document")
@campaign_argument
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Count the days to the deadline from this day (default: today).")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the answers as an Excel workbook to this file.")
def signatures(document: str, campaign_dir: Path, as_json: bool, today, xlsx):
    """Say who is on board a letter: who agreed, declined, withdrew or has not answered.

    Also the deadline and the days left, those who agreed by political group and by
    country, and whether the wording they agreed to is the current one.

    \b
    Example:
      undersigned signatures appeal-political-prisoners
      undersigned signatures appeal-political-prisoners --json
      undersigned signatures appeal-political-prisoners --xlsx answers.xlsx
    """
    from ..answers.signatures import signatures as standing, summary_lines

    report = standing(campaign_dir, document, today.date() if today else None)
    if xlsx is not None:
        from ..answers.workbook import write_workbook

        write_workbook(report, xlsx)
        click.echo(f"wrote {xlsx}", err=True)
    if as_json:
        import json

        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    from ..errors import printable

    for line in summary_lines(report):
        click.echo(printable(line))


SMTP_PASSWORD_VARIABLE = "UNDERSIGNED_SMTP_PASSWORD"


def _smtp_password(send: bool, campaign_dir: Path) -> str | None:
    """The SMTP password, from the environment or a prompt; never a file or an option."""
    import os

    password = os.environ.get(SMTP_PASSWORD_VARIABLE)
    if password is None and send and sys.stdin.isatty():
        password = click.prompt("SMTP password (empty if the server asks for none)",
                                hide_input=True, default="", show_default=False) or None
    return password


def _mail_progress(n: int, total: int, to: str) -> None:
    """One line per message the server accepted, as it goes."""
    from ..errors import printable

    click.echo(printable(f"[{n}/{total}] sent to {to}"), err=True)


def _mail_report(report, send: bool) -> None:
    from ..errors import printable

    if len(report.written) > 10:
        click.echo(printable(f"wrote {len(report.written)} messages in "
                             f"{shown(report.written[0].parent)}"))
    else:
        for path in report.written:
            click.echo(printable(f"wrote {shown(path)}"))
    if send:
        click.echo(f"{len(report.sent)} sent (recorded in records/mail.json)")
    if report.already:
        click.echo(printable(f"already sent, left out (--resend sends again): "
                             f"{', '.join(report.already)}"))
    for line in report.skipped + report.failed:
        click.echo(printable(f"not sent: {line}" if send else f"left out: {line}"), err=True)
    if report.stopped:
        click.echo(printable(f"stopped: {report.stopped}; run the command again to send the "
                             "rest"), err=True)
    if not send and report.written:
        click.echo("nothing was sent; --send sends these messages")
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.argument("document")
@campaign_argument
@click.option("--reminder", is_flag=True, help="A reminder to those who have not answered.")
@click.option("--member", "members", multiple=True, metavar="ID",
              help="Only this Member (repeatable).")
@click.option("--send", is_flag=True, help="Send the messages over SMTP (campaign mail: "
                                           "settings); without it they are only written.")
@click.option("--resend", is_flag=True, help="Write to Members the record says already got "
                                             "this message.")
def invite(document: str, campaign_dir: Path, reminder: bool, members, send: bool,
           resend: bool):
    """Invite the Members of a letter's sign-on who have not answered to co-sign it.

    One e-mail per Member, in their language, with the draft attached (rendered once
    per language), written as .eml files under outputs/mail/; --send sends them and
    records each in records/mail.json, so that nobody gets the same message twice
    (--resend overrides). The SMTP password comes from UNDERSIGNED_SMTP_PASSWORD or a
    prompt, never a file or an option.

    \b
    Example:
      undersigned invite appeal-political-prisoners
      UNDERSIGNED_SMTP_PASSWORD=... undersigned invite appeal-political-prisoners --send
      undersigned invite appeal-political-prisoners --reminder --send
    """
    from ..mail.invite import invite as invite_members

    report = invite_members(campaign_dir, document, reminder, resend, send, members,
                            _smtp_password(send, campaign_dir), _mail_progress)
    _mail_report(report, send)


@cli.command(name="send")
@click.argument("document")
@campaign_argument
@click.option("--send", "really", is_flag=True, help="Send; without it the messages are "
                                                     "only written and listed.")
@click.option("--resend", is_flag=True, help="Send to recipients the record says already "
                                             "got the letter.")
@click.option("--trust", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="CERT", help="A trust anchor for verifying the copies' signatures.")
def send_letter(document: str, campaign_dir: Path, really: bool, resend: bool, trust):
    """E-mail each final copy of a letter to its addressee, with the letter's cc.

    Refuses a draft, a stale or missing copy, a copy whose signatures do not verify,
    and, where the letter sets require_digital_signatures, a copy not signed by every
    Member who agreed. Without --send it writes the messages under outputs/mail/ and
    lists them; with it, it sends them and records each, never twice (--resend).

    \b
    Example:
      undersigned send appeal-political-prisoners --trust ep-ca.pem
      undersigned send appeal-political-prisoners --trust ep-ca.pem --send
    """
    from ..mail.deliver import deliver

    report = deliver(campaign_dir, document, really, resend, list(trust),
                     _smtp_password(really, campaign_dir), _mail_progress)
    _mail_report(report, really)
