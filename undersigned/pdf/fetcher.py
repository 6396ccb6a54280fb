"""The only way a render reads a file: ``data:`` URLs and files in the allowed folders.

Nothing outside the campaign folder and the package's own templates and fonts is
read, and nothing is fetched from the network.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..resources import PACKAGE_DIR


@lru_cache(maxsize=1)
def fetcher_class():
    """The URL fetcher class, defined once WeasyPrint is imported (lazily, to keep it out of
    start-up)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class CampaignFetcher(URLFetcher):
        """Serves ``data:`` URLs and files under the allowed folders; refuses all else."""

        def __init__(self, roots: list[Path]):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                             timeout=5)
            self.roots = [root.resolve() for root in roots]

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise FatalURLFetchingError(f"refused to fetch {url}: only files in the "
                                            "campaign folder can be used")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise FatalURLFetchingError(f"refused to read {path}: it is outside the "
                                            "campaign folder")
            return super().fetch(path.as_uri(), headers)

    return CampaignFetcher


def make_fetcher(campaign_root: Path):
    """A fetcher that may read the campaign folder and the built-in templates and fonts."""
    return fetcher_class()([campaign_root, PACKAGE_DIR])
