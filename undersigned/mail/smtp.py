"""Sending over SMTP: STARTTLS, implicit TLS or none; a login if the server wants one;
every failure in one line naming the server (and the recipient)."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl

from ..errors import UndersignedError
from ..model.invitations import MailSettings

TIMEOUT = 30.0
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class MailError(UndersignedError):
    """Raised when the SMTP server cannot be reached, trusted or logged in to, or drops
    the connection; the message names the server."""


class Refused(Exception):
    """One message the server refused (its other messages may go)."""


class PartlyRefused(Refused):
    """A message the server accepted for some of its recipients and refused for others:
    it went, and must not be sent again to those who got it."""

    def __init__(self, reason: str, accepted: list[str]):
        super().__init__(reason)
        self.accepted = accepted


def server_of(settings: MailSettings) -> tuple[str, int, str | None]:
    """(host, port, user), the environment's ``UNDERSIGNED_SMTP_*`` first."""
    host = os.environ.get("UNDERSIGNED_SMTP_HOST") or settings.host
    if not host:
        raise MailError("campaign.yaml: mail: no SMTP server: give mail.host, or set "
                        "UNDERSIGNED_SMTP_HOST")
    port = os.environ.get("UNDERSIGNED_SMTP_PORT") or settings.port \
        or DEFAULT_PORTS[settings.security]
    try:
        port = int(port)
    except ValueError:
        raise MailError(f"UNDERSIGNED_SMTP_PORT: '{port}' is not a port number") from None
    user = os.environ.get("UNDERSIGNED_SMTP_USER") or settings.user
    return host, port, user


def timeout_of() -> float:
    """Seconds to wait for the server: ``UNDERSIGNED_SMTP_TIMEOUT``, else 30."""
    written = os.environ.get("UNDERSIGNED_SMTP_TIMEOUT")
    try:
        return float(written) if written else TIMEOUT
    except ValueError:
        raise MailError(f"UNDERSIGNED_SMTP_TIMEOUT: '{written}' is not a number of "
                        "seconds") from None


class SmtpSession:
    """One connection, logged in, for a run's messages."""

    def __init__(self, settings: MailSettings, password: str | None,
                 timeout: float | None = None):
        self.settings = settings
        self.host, self.port, self.user = server_of(settings)
        self.name = f"{self.host}:{self.port}"
        self.password = password
        self.timeout = timeout or timeout_of()
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "SmtpSession":
        context = ssl.create_default_context(cafile=os.environ.get("UNDERSIGNED_SMTP_CA")
                                             or None)
        security = self.settings.security
        try:
            if security == "tls":
                self.smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                             context=context)
            else:
                self.smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if security == "starttls":
                    self.smtp.starttls(context=context)
            if self.user:
                if self.password is None:
                    raise MailError(f"{self.name}: a password is needed to log in as "
                                    f"{self.user}: set UNDERSIGNED_SMTP_PASSWORD, or run the "
                                    "command in a terminal to be asked for it")
                self.smtp.login(self.user, self.password)
        except BaseException as exc:
            self._close()
            if isinstance(exc, (MailError, KeyboardInterrupt)):  # Ctrl-C: the CLI says it
                raise
            raise self._error(exc) from exc
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self._close()  # interrupted: no goodbye that could wait for the server
            return
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._close()

    def _close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except OSError:
                pass
        self.smtp = None

    def send(self, mail) -> None:
        """Send one message (its bytes, as written to its ``.eml`` file); Refused if the
        server refuses it (the connection goes on), PartlyRefused if it took it for some
        recipients only, MailError if the connection is lost."""
        try:
            refused = self.smtp.sendmail(mail.sender, mail.recipients, mail.data)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Refused(_refusals(exc.recipients)) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise Refused(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (UnicodeError, smtplib.SMTPNotSupportedError) as exc:
            self._reset()  # the model refuses such addresses; this is the last guard
            raise Refused(f"an address cannot be written in ASCII, and this toolkit does "
                          f"not use SMTPUTF8 ({exc})") from exc
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._close()
            raise MailError(f"{self.name}: the connection was lost ({_reason(exc)})") from exc
        if refused:
            raise PartlyRefused(_refusals(refused), [a for a in mail.recipients
                                                      if a not in refused])

    def _reset(self) -> None:
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            pass

    def _error(self, exc: BaseException) -> MailError:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return MailError(f"{self.name}: its certificate is not trusted "
                             f"({exc.verify_message}); if the server is your own, set "
                             "UNDERSIGNED_SMTP_CA to its authority's certificate")
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return MailError(f"{self.name}: login as {self.user} refused "
                             f"({exc.smtp_code} {_text(exc.smtp_error)})")
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return MailError(f"{self.name}: {exc}; set mail.security to tls or none if the "
                             "server wants that")
        if isinstance(exc, (socket.timeout, TimeoutError)) or (
                isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc)):
            return MailError(f"{self.name}: no answer within {self.timeout:g} s")
        if isinstance(exc, smtplib.SMTPResponseException):
            return MailError(f"{self.name}: {exc.smtp_code} {_text(exc.smtp_error)}")
        if isinstance(exc, (smtplib.SMTPException, OSError, ssl.SSLError)):
            return MailError(f"{self.name}: cannot connect ({_reason(exc)})")
        return MailError(f"{self.name}: {type(exc).__name__}: {exc}")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _refusals(recipients: dict) -> str:
    return "; ".join(f"{address} refused ({code} {_text(text)})"
                     for address, (code, text) in recipients.items())
