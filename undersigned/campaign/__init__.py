"""A whole campaign: loading and checking it, what it produces, and each copy's context."""

from __future__ import annotations

from .load import load_campaign
from .loaded import CAMPAIGN_FILE, LoadedCampaign

__all__ = ["CAMPAIGN_FILE", "LoadedCampaign", "load_campaign"]
