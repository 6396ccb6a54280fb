"""The model of ``campaign.yaml``, whose documents are of the kinds in the kind table."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal, Union

from pydantic import Field, create_model

from ..kinds import KINDS
from ..model.models import Id, LocalText, Model, Recipient, Sender
from ..model.invitations import MailSettings
from ..model.table_sources import TableSource


class CampaignBase(Model):
    """The campaign file, ``campaign.yaml``: who sends, to whom, and which documents."""

    title: str
    """The campaign's name."""
    description: str | None = None
    """What the campaign is for."""
    sender: Sender
    """The letterhead."""
    watermark: LocalText | None = None
    """A line printed on every page of every copy, and at the top of an announcement
    (``Reconstruction from the public record — not the text as sent``)."""
    output_dir: str = "outputs"
    """Where PDFs are written, relative to the campaign folder."""
    pdf_standard: Literal["pdf/a-3a+ua-1", "pdf/a-3b", "pdf/ua-1"] = "pdf/a-3a+ua-1"
    """``pdf/a-3a+ua-1`` (the default: tagged for screen readers, PDF/A-3a and PDF/UA-1 in
    one file), ``pdf/a-3b`` (archival, untagged) or ``pdf/ua-1`` (tagged, without the
    PDF/A claim)."""
    recipients: dict[Id, Recipient] = {}
    """Recipients of letters, by id."""
    recipient_tables: dict[Id, TableSource] = {}
    """Recipients from CSV or XLSX tables, by table id: a row per recipient; a letter
    writes to every row of one with ``recipients: [{table: ID}]``."""
    mail: MailSettings | None = None
    """How invitations to co-sign and final letters are e-mailed (``invite``, ``send``)."""


def campaign_model() -> type[CampaignBase]:
    """The campaign file's model, with a document of each kind in the table."""
    return _campaign_model(tuple(KINDS.values()))


@lru_cache(maxsize=4)
def _campaign_model(kinds: tuple) -> type[CampaignBase]:
    models = tuple(kind.model for kind in kinds)
    document = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007
    return create_model(
        "Campaign", __base__=CampaignBase, __doc__=CampaignBase.__doc__, __module__=__name__,
        documents=(dict[Id, document], Field(  # type: ignore[valid-type]
            min_length=1, description="The documents, by id; the id starts each output "
                                      "file name.")),
    )


def __getattr__(name: str):
    # ``Campaign`` is the model of the current kind table, found by name: pickling a
    # loaded campaign for the worker processes refers to its class this way.
    if name == "Campaign":
        return campaign_model()
    raise AttributeError(name)
