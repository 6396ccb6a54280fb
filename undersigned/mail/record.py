"""What was sent: ``records/mail.json``, one entry per message a server accepted.

Each entry is written (atomically, the whole file) right after the server accepted the
message, so that a run cut short by a refusal, a dropped connection or a kill leaves a
record of exactly what went; the next run sends only the rest.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
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
        """The last message of ``kind`` sent to ``to`` about ``document``, if any."""
        return next((e for e in reversed(self.entries)
                     if (e.kind, e.document, e.to) == (kind, document, to)), None)

    def add(self, kind: str, document: str, to: str, address: str, message_id: str,
            file: str) -> Sent:
        """Record one accepted message, on disk before anything else is sent."""
        entry = Sent(kind, document, to, address, message_id,
                     dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(), file)
        self.entries.append(entry)
        folder = plain_folder(self.root, RECORD.parent)
        data = {"sent": [asdict(e) for e in self.entries]}
        write_atomically(folder / RECORD.name,
                         (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode())
        return entry
