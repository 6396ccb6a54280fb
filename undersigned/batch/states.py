"""The states of an output on disk and what a build does with it, as enums."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where an output stands before a build (see :mod:`.manifest`)."""

    MISSING = "missing"
    """A file is not there."""
    STALE = "stale"
    """Built from other inputs than the current ones."""
    UP_TO_DATE = "up-to-date"
    """Built from the current inputs and untouched since."""
    SIGNED = "signed"
    """The PDF carries a digital signature, made over the very bytes a build of the current
    inputs wrote; never overwritten."""
    SIGNED_STALE = "signed-stale"
    """Signed over the bytes of a build from other inputs than the current ones (a cc, a
    case or the wording changed since): never overwritten, never sent; sign a new copy."""
    MODIFIED = "modified"
    """Changed since it was built (annotated, stamped, edited, or signed over bytes no build
    wrote); never overwritten."""
    UNKNOWN = "unknown"
    """A file no record vouches for (a lost manifest, a link): moved aside, then rebuilt."""


BUILD_STATES = (State.MISSING, State.STALE, State.UNKNOWN)
"""States that a build renders; ``force`` adds the others."""
KEPT_STATES = (State.SIGNED, State.SIGNED_STALE, State.MODIFIED)
"""States whose file a build never overwrites (``force`` moves it aside first)."""
MOVED_STATES = (State.UNKNOWN,)
SIGNED_STATES = (State.SIGNED, State.SIGNED_STALE)
"""States of a copy that carries signatures made over a build's own bytes."""
"""States whose file a build always moves aside before it writes the output anew."""


class Action(StrEnum):
    """What a build did with one output or bundle."""

    BUILT = "built"
    KEPT = "kept"
    """Signed or modified, left alone."""
    UP_TO_DATE = "up-to-date"
    FAILED = "failed"
