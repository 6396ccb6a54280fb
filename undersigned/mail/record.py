"""What was sent: ``records/mail.json``, one entry per message a server accepted.

The record is a journal. Before a message is handed to the server its entry is written
as ``sending``; once the server accepts it, the entry becomes ``sent`` (with the
addresses the server refused, if it refused some and took the others); if the server
refuses it, the entry goes. Each write is atomic (the whole file). So a run cut short
by a refusal, a dropped connection or a kill leaves a record of exactly what went, and
a message whose fate is unknown (the process killed while the server took it, or the
record not writable after it did: a full disk) stays ``sending``: the next run says it
may have been sent instead of sending it again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..errors import FileRefused, UndersignedError
from ..files import plain_folder, read_regular, write_atomically

RECORD = Path("records") / "mail.json"
RECORD_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class Sent:
    """One message a server accepted."""

    kind: str
    """``invitation``, ``reminder`` or ``delivery``."""
    document: str
    to: str
    """The Member's or recipient's id."""
    address: str
    message_id: str
    sent_at: str
    """UTC, ISO 8601."""
    file: str
    """The ``.eml`` copy, relative to the campaign folder."""
    status: str = "sent"
    """``sent`` (the server accepted it) or ``sending`` (handed to the server, its answer
    not recorded: it may have gone)."""
    refused: str = ""
    """The recipients the server refused while it accepted the others, and why."""

    @property
    def uncertain(self) -> bool:
        return self.status != "sent"


class MailRecord:
    """The record of a campaign's sent messages."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.path = self.root / RECORD
        self.entries: list[Sent] = []
        if not self.path.exists() and not self.path.is_symlink():
            return
        try:
            data = json.loads(read_regular(self.path, RECORD_LIMIT, str(RECORD)))
            self.entries = [Sent(**entry) for entry in data["sent"]]
        except FileRefused:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise UndersignedError(f"{RECORD}: is not a record of sent mail this toolkit "
                                   f"wrote ({exc}); move it aside to start a new one, "
                                   "knowing that what it lists may be sent again") from exc

    def sent(self, kind: str, document: str, to: str) -> Sent | None:
        """The last message of ``kind`` sent (or perhaps sent) to ``to`` about
        ``document``, if any."""
        return next((e for e in reversed(self.entries)
                     if (e.kind, e.document, e.to) == (kind, document, to)), None)

    def begin(self, kind: str, document: str, to: str, address: str, message_id: str,
              file: str) -> Sent:
        """Record a message as ``sending``, on disk before it is handed to the server."""
        entry = Sent(kind, document, to, address, message_id,
                     dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), file,
                     status="sending")
        self._write(self.entries + [entry])
        return entry

    def accepted(self, entry: Sent, refused: str = "") -> Sent:
        """The server accepted ``entry`` (for all its recipients but ``refused``)."""
        done = replace(entry, status="sent", refused=refused)
        self._write([done if e is entry else e for e in self.entries])
        return done

    def abandon(self, entry: Sent) -> None:
        """The server refused ``entry``: it did not go, and may be sent again."""
        self._write([e for e in self.entries if e is not entry])

    def _write(self, entries: list[Sent]) -> None:
        """Replace the record on disk, then in memory (so memory never claims what the
        disk does not say); OSError if it cannot be written."""
        folder = plain_folder(self.root, RECORD.parent)
        data = {"sent": [_stored(e) for e in entries]}
        write_atomically(folder / RECORD.name,
                         (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())
        self.entries = entries


def _stored(entry: Sent) -> dict:
    """An entry as written: the optional fields only where they say something."""
    data = asdict(entry)
    if not entry.refused:
        del data["refused"]
    return data
