"""What a build considers, one output or bundle at a time, with its state before the build
(asked by the plan, the workers and the reports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..campaign.plan import Output, bundle_stem
from .manifest import OnDisk
from .states import State


@dataclass
class Planned:
    """One output of a build, with its input hash and its state before the build."""

    output: Output
    input_hash: str
    state: State
    disk: OnDisk | None = None
    """The PDF as it was when its state was read (None: absent)."""
    moved_aside: Path | None = None
    """Where a signed or modified PDF was moved by ``force``."""
    exports_aside: list[Path] = field(default_factory=list)
    """Where text exports edited by hand were moved before the output was written anew."""

    @property
    def stem(self) -> str:
        return self.output.stem

    @property
    def files(self) -> list[str]:
        return self.output.files


@dataclass
class Bundle:
    """A print-ready PDF of every copy of one document."""

    document: str
    outputs: list[Output]
    input_hash: str
    state: State
    disk: OnDisk | None = None
    """The PDF as it was when its state was read (None: absent)."""
    moved_aside: Path | None = None
    exports_aside: list[Path] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return bundle_stem(self.document)

    @property
    def files(self) -> list[str]:
        return [f"{self.stem}.pdf"]
