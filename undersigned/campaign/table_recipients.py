"""The campaign's recipients from tables: each ``recipient_tables:`` entry read row by row
into :class:`~undersigned.model.models.Recipient`, before the campaign file is validated
(a letter's ``{table: ID}`` stands for the ids of that table's rows)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import Problems
from ..files import is_inside
from ..model.models import Recipient, Signatory
from ..model.table_sources import TableSource
from ..model.yamlfile import YamlFile, dotted


def read_recipient_tables(root: Path, source: YamlFile, problems: Problems,
                          files: dict | None = None) -> dict[str, dict[str, Recipient]]:
    """Table id -> its recipients by id, for the tables the campaign file declares; what is
    wrong in a table goes to ``problems`` (a declaration that is itself wrong is reported
    when the campaign file is validated). Each table's rows, located, go to ``files`` under
    the table's label, so that a check of a recipient names its row and column."""
    from ..tables.rows import read_models

    declared = source.data.get("recipient_tables") if isinstance(source.data, dict) else None
    if not isinstance(declared, dict):
        return {}
    tables: dict[str, dict[str, Recipient]] = {}
    for table_id, spec in declared.items():
        try:
            table = TableSource.model_validate(spec)
        except ValidationError:
            continue  # reported with the campaign file's own errors
        if not is_inside(root, table.file):
            line, column = source.position(("recipient_tables", table_id, "file"))
            problems.add(source.label, line, column, f"recipient_tables.{table_id}.file",
                         f"'{table.file}' is not a file in the campaign folder")
            tables[str(table_id)] = {}  # refused, said once: the letters' references stand
            continue

        def mapping_at(key, table_id=table_id):
            loc = ("recipient_tables", table_id, "columns", key)
            return (source.label, *source.position(loc))

        label, recipients, located = read_models(root, table, Recipient, problems, mapping_at,
                                                 prefix=("recipients",))
        if files is not None and located is not None:
            files[label] = located
        tables[str(table_id)] = recipients
    return tables


def with_table_recipients(campaign, tables: dict[str, dict[str, Recipient]],
                          source: YamlFile, problems: Problems):
    """The campaign with the tables' recipients added to its own; an id in two places is
    an error."""
    if not tables:
        return campaign
    recipients = dict(campaign.recipients)
    for table_id, rows in tables.items():
        label = campaign.recipient_tables[table_id].file if table_id in \
            campaign.recipient_tables else table_id
        for row_id, recipient in rows.items():
            if row_id in recipients:
                line, column = source.position(("recipient_tables", table_id))
                problems.add(source.label, line, column, f"recipient_tables.{table_id}",
                             f"the recipient '{row_id}' of {label} is also a recipient "
                             "elsewhere in the campaign; give one of them another id")
                continue
            recipients[row_id] = recipient
    return campaign.model_copy(update={"recipients": recipients})


def members_from_table(root: Path, source: YamlFile, problems: Problems) -> dict | None:
    """The data of a signatory list that takes its Members from a table (``table:`` in
    place of ``signatories:``), with the rows read as Signatory models; None for a list
    that writes its Members in YAML."""
    from ..tables.rows import read_models

    data = source.data
    if not isinstance(data, dict) or "table" not in data:
        return None
    rest = {key: value for key, value in data.items() if key != "table"}
    line, column = source.position(("table",))
    if "signatories" in data:
        problems.add(source.label, line, column, "table", "a list takes its Members from "
                     "signatories: or from a table:, not both; remove one")
        return rest
    try:
        table = TableSource.model_validate(data["table"])
    except ValidationError as exc:
        for error in exc.errors():
            loc = ("table",) + tuple(error["loc"])
            problems.add(source.label, *source.position(loc), dotted(loc), error["msg"])
        return None
    if not is_inside(root, table.file):
        line, column = source.position(("table", "file"))
        problems.add(source.label, line, column, "table.file",
                     f"'{table.file}' is not a file in the campaign folder")
        return None

    def mapping_at(key):
        return (source.label, *source.position(("table", "columns", key)))

    _, members, _ = read_models(root, table, Signatory, problems, mapping_at)
    if not members:
        return None  # the table's own problems say why
    return {**rest, "signatories": list(members.values())}
