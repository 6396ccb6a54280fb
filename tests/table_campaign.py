"""A copy of the example campaign whose first letter also goes to every row of a
recipients table (CSV or XLSX): shared by the tests and benchmarks/bench_tables.py."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADER = ["ID", "Name", "Position", "Street", "City", "Salutation", "Salutation RU",
          "Languages", "E-mail"]
TABLE_DECLARATION = """recipient_tables:
  ngos:
    file: {file}
    columns:
      id: ID
      name: Name
      position: Position
      address: [Street, City]
      salutation: {{en: Salutation, ru: Salutation RU}}
      languages: Languages
      email: E-mail

"""


def rows(count: int):
    """``count`` recipients, a few of them in Russian too."""
    for i in range(1, count + 1):
        yield [f"ngo-{i:06d}", f"Director {i}", f"Director of Organisation No. {i}",
               f"{i} Rue de la Loi", "1040 Brussels, Belgium", "Dear Director,",
               "Уважаемый директор!", "en",
               f"director{i}@ngo{i}.example.org"]


def make_table_campaign(target: Path, count: int, fmt: str = "csv") -> Path:
    """The example campaign in ``target``, its first letter also to ``count`` rows."""
    target.mkdir(parents=True, exist_ok=True)
    for part in ("campaign.yaml", "cases", "signatories", "templates", "catalogues"):
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        elif source.is_file():
            shutil.copyfile(source, target / part)
    name = f"recipients.{fmt}"
    if fmt == "csv":
        with open(target / name, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            writer.writerows(rows(count))
    else:
        import openpyxl
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Recipients")
        sheet.append(HEADER)
        for row in rows(count):
            sheet.append(row)
        book.save(target / name)
    text = (target / "campaign.yaml").read_text(encoding="utf-8")
    text = text.replace("documents:\n", TABLE_DECLARATION.format(file=name) + "documents:\n", 1)
    text = text.replace("      - president\n      - prosecutor-general\n",
                        "      - president\n      - prosecutor-general\n"
                        "      - {table: ngos}\n", 1)
    (target / "campaign.yaml").write_text(text, encoding="utf-8")
    return target
