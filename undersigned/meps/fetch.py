"""Downloading a list of Members from a URL, bounded in every way a server can stretch it.

- one deadline for the whole download (connection, headers, body), not a timeout per
  read: a server that sends a byte every few seconds is cut off at the deadline;
- at most ``limit`` bytes, refused at once when the server announces more;
- a body shorter (or longer) than its ``Content-Length`` is refused, never read as a
  shorter list;
- a broken answer (a bad status line, too many or too long headers, a bad chunk) is one
  line naming the URL, never a traceback;
- redirects are followed only to https on the same host; any other (another site, http,
  ``ftp://``, ``file:``) is refused, naming where it points, so that the user decides by
  giving that URL themselves. Nothing but http(s) is ever fetched, and no proxy is used.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urljoin, urlsplit

from ..errors import UndersignedError

DOWNLOAD_DEADLINE = 60.0
"""Seconds a whole download may take."""
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


class SourceUnavailable(UndersignedError):
    """Raised when a list cannot be downloaded (offline, refused, too large, too slow,
    cut short, redirected elsewhere, not valid HTTP)."""


def download(url: str, limit: int, deadline: float = DOWNLOAD_DEADLINE) -> bytes:
    """The body of ``url`` (http or https): at most ``limit`` bytes, within ``deadline``
    seconds in all, following redirects only to https on the same host."""
    end = time.monotonic() + deadline
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        status, location, body = _get(current, limit, end, url, deadline)
        if status not in REDIRECTS:
            return body
        current = _redirect_target(url, current, location)
    raise SourceUnavailable(f"{url}: more than {MAX_REDIRECTS} redirects; give the final "
                            "URL")


def _redirect_target(url: str, current: str, location: str | None) -> str:
    """Where a redirect may go: https on the same host only."""
    if not location:
        raise SourceUnavailable(f"{url}: the server answered a redirect without a Location")
    target = urljoin(current, location.strip())
    parts, here = urlsplit(target), urlsplit(current)
    if parts.scheme != "https" or (parts.hostname or "") != (here.hostname or ""):
        raise SourceUnavailable(f"{url}: the server redirects to {_shown(target)}, which is "
                                "not https on the same site; if you trust it, give that URL "
                                "yourself")
    return target


def _shown(text: str) -> str:
    """A URL from a server, printable and short."""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 200 else text[:200] + "..."


def _connection(url: str, remaining: float):
    import http.client
    import ssl

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceUnavailable(f"{url}: only http and https URLs are downloaded")
    try:
        port = parts.port
    except ValueError:
        raise SourceUnavailable(f"{url}: the port is not a number") from None
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, port, timeout=remaining,
                                           context=ssl.create_default_context())
    return http.client.HTTPConnection(parts.hostname, port, timeout=remaining)


def _get(current: str, limit: int, end: float, url: str,
         deadline: float) -> tuple[int, str | None, bytes]:
    """(status, Location, body) of one GET, cut off at the monotonic time ``end``."""
    import http.client

    connection = _connection(current, max(0.001, end - time.monotonic()))
    parts = urlsplit(current)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    watchdog = threading.Timer(max(0.0, end - time.monotonic()), _cut, (connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("GET", path, headers={"User-Agent": "undersigned",
                                                 "Accept-Encoding": "identity"})
        response = connection.getresponse()
        if response.status in REDIRECTS:
            return response.status, response.getheader("Location"), b""
        if response.status != 200:
            raise SourceUnavailable(f"{url}: the server answered {response.status} "
                                    f"{_shown(response.reason or '')}")
        return response.status, None, _body(response, limit, url, end, deadline)
    except SourceUnavailable:
        raise
    except (http.client.HTTPException, ValueError) as exc:
        if time.monotonic() >= end:
            raise _too_slow(url, deadline) from exc
        reason = ("its body is cut short or a chunk of it is malformed"
                  if isinstance(exc, http.client.IncompleteRead) else _reason(exc))
        raise SourceUnavailable(f"{url}: the server's answer is not valid HTTP "
                                f"({reason}); download the file another way and give "
                                "its path") from exc
    except OSError as exc:
        if time.monotonic() >= end or isinstance(exc, (TimeoutError, socket.timeout)):
            raise _too_slow(url, deadline) from exc
        raise SourceUnavailable(f"{url}: cannot download ({_reason(exc)}); are you offline? "
                                "Download the file another way and give its path") from exc
    finally:
        watchdog.cancel()
        connection.close()


def _body(response, limit: int, url: str, end: float, deadline: float) -> bytes:
    """The body, at most ``limit`` bytes, exactly its ``Content-Length`` if it has one,
    all of it before ``end`` (the watchdog's cut reads as an end of file)."""
    declared = response.getheader("Content-Length")
    length = None
    if declared is not None and not response.chunked:
        if not declared.strip().isdigit():
            raise SourceUnavailable(f"{url}: the server's Content-Length "
                                    f"'{_shown(declared)}' is not a number")
        length = int(declared)
        if length > limit:
            raise SourceUnavailable(f"{url}: is {length:,} bytes; at most {limit:,} are "
                                    "downloaded")
    chunks, total = [], 0
    while True:
        chunk = response.read1(min(1 << 16, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise SourceUnavailable(f"{url}: is over {limit:,} bytes; at most that is "
                                    "downloaded")
    if time.monotonic() >= end:
        raise _too_slow(url, deadline)
    if length is not None and total != length:
        raise SourceUnavailable(f"{url}: the download was cut short: {total:,} of the "
                                f"{length:,} bytes the server announced; nothing was read "
                                "from it. Try again, or download the file another way")
    return b"".join(chunks)


def _cut(connection) -> None:
    """At the deadline: shut the socket, so that whatever read is waiting returns."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _too_slow(url: str, deadline: float) -> SourceUnavailable:
    return SourceUnavailable(f"{url}: the download took longer than {deadline:g} s; "
                             "download the file another way and give its path")


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return _shown(text or type(exc).__name__)
