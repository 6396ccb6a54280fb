"""What a kind of document needs from the layers above it, as protocols: the kinds are
given a loaded campaign, a checker and a planned output, and never import the modules that
make them (``campaign`` imports ``kinds``, not the other way round)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from ..model.yamlfile import YamlFile


class Campaign(Protocol):
    """The validated campaign file: its documents, recipients and sender."""

    documents: Mapping[str, Any]
    recipients: Mapping[str, Any]
    sender: Any


class LoadedCampaign(Protocol):
    """A campaign as loaded: its folder, its file, its cases and its signatory lists."""

    root: Path
    campaign: Campaign
    cases: Mapping[str, Any]
    lists: Mapping[str, Any]
    files: Mapping[str, YamlFile]


class Checker(Protocol):
    """What collects a campaign's problems while the kinds check their documents."""

    loaded: LoadedCampaign
    campaign_file: YamlFile
    memory: dict

    def add(self, file: YamlFile, loc: tuple, message: str, severity: str = "error") -> None:
        ...

    def missing(self, *args: Any, **kwargs: Any) -> Any:
        ...

    def duplicates(self, *args: Any, **kwargs: Any) -> Any:
        ...


class Output(Protocol):
    """One planned copy: which recipient, which language, which copy of the document."""

    recipient: str | None
    lang: str
    copy_index: int
