"""A loaded campaign: the models that passed every check, and where each value came from."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..model import i18n
from ..model.models import Case, SignatoryList
from ..model.yamlfile import YamlFile
from .campaign_file import CampaignBase

CAMPAIGN_FILE = "campaign.yaml"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a campaign is loaded and planned, then back on.

    Loading makes objects by the hundred thousand (a model per table row, a plan entry per
    copy), few of them garbage and none in cycles worth collecting early; the collector
    walked all of them again and again: with it on, checking 100,000 rows took a third
    longer. Nested uses leave it to the outermost."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class LoadedCampaign:
    """A campaign that passed every check: its models, and where each value came from."""

    root: Path
    campaign: CampaignBase
    cases: dict[str, Case]
    lists: dict[str, SignatoryList]
    catalogues: dict[str, i18n.Catalogue]
    files: dict[str, YamlFile] = field(default_factory=dict)
    incomplete: dict[str, set[str]] = field(default_factory=dict)
    """Documents and recipients of an invalid campaign file checked without some of their
    fields (their id -> those fields); empty once the campaign is valid."""
    warnings: list[Problem] = field(default_factory=list)

    unrehearsed: object | None = field(default=None, repr=False, compare=False)
    """What ``load_campaign(rehearse=False)`` kept to render the copies later
    (:func:`.templates.rehearse_copies`); None once they are rehearsed, or when they were."""

    _rows: dict | None = field(default=None, repr=False, compare=False)
    """(prefix..., row id) -> the table file holding that row, made when first asked."""

    def __getstate__(self) -> dict:
        # What is left to rehearse holds a Jinja environment, which cannot be pickled: a
        # worker is sent the campaign, never that.
        return {**self.__dict__, "unrehearsed": None}

    def source_of(self, loc: tuple) -> YamlFile:
        """The file a value of the campaign at ``loc`` stands in: a row of a recipient table
        (``recipients.csv``, at its row and column), else the campaign file."""
        if self._rows is None:
            from ..tables.rows import TableFile

            self._rows = {source.prefix + (row_id,): source for source in self.files.values()
                          if isinstance(source, TableFile) for row_id in source.rows}
        for length in range(2, len(loc) + 1):
            found = self._rows.get(tuple(loc[:length]))
            if found is not None:
                return found
        return self.files[CAMPAIGN_FILE]

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def output_dir(self) -> Path:
        return self.root / self.campaign.output_dir
