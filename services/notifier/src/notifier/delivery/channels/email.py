"""Email over SMTP (aiosmtplib): one connection per message, TLS none / STARTTLS / implicit TLS.

The Message-ID is derived from the idempotency key, so a resend after a crash carries the same
id and mail systems that de-duplicate on it show the message once.
"""

import hashlib
import re
import ssl
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from rectify_shared.settings import Settings

from .base import OutgoingMessage, PermanentError, SendResult, TransientError

#: RFC 5322 dot-atom text: what may stand on the left of "@" in a Message-ID
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
MESSAGE_ID_DOMAIN = "rectify"


def message_id(idempotency_key: str) -> str:
    """`<key@rectify>`; keys that are not dot-atom text or are long are hashed (header stays unfolded)."""
    local = idempotency_key
    if not _DOT_ATOM.match(local) or len(local) > 48:
        local = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{local}@{MESSAGE_ID_DOMAIN}>"


def build_email(sender: str, message: OutgoingMessage) -> EmailMessage:
    """A text/plain UTF-8 message (plus an HTML alternative when `extra["html"]` is given)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.address
    mail["Subject"] = message.subject or ""
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message_id(message.idempotency_key)
    mail.set_content(message.body, charset="utf-8")
    html = message.extra.get("html")
    if isinstance(html, str) and html:
        mail.add_alternative(html, subtype="html", charset="utf-8")
    return mail


def _check_address(address: str) -> None:
    try:
        parsed = Address(addr_spec=address.strip())
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise PermanentError(f"not an email address: {address!r}") from exc
    if not parsed.username or not parsed.domain:
        raise PermanentError(f"not an email address: {address!r}")


def _classify(code: int, text: str) -> TransientError | PermanentError:
    return TransientError(text) if 400 <= code < 500 else PermanentError(text)


class SmtpChannel:
    name = "email"

    def __init__(self, settings: Settings, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.sender = settings.smtp_from
        self.tls = settings.smtp_tls
        self.timeout = settings.smtp_timeout
        self.username = settings.smtp_user or None
        self.password = settings.smtp_password if settings.smtp_user else None
        self.tls_context = tls_context

    async def send(self, message: OutgoingMessage) -> SendResult:
        _check_address(message.address)
        try:
            mail = build_email(self.sender, message)
        except (ValueError, TypeError) as exc:  # e.g. a line break in a header
            raise PermanentError(f"cannot build the email: {exc}") from exc
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls == "ssl",
                start_tls=self.tls == "starttls",
                tls_context=self.tls_context,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            text = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise _classify(min(codes, default=550), f"SMTP recipient refused: {text}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _classify(exc.code, f"SMTP {exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPNotSupported as exc:
            raise PermanentError(f"SMTP server: {exc}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # refused or dropped connections, timeouts, TLS handshake failures
            raise TransientError(f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}") from exc
        return SendResult(str(mail["Message-ID"]), {"smtp": f"{self.host}:{self.port}"})

    async def aclose(self) -> None:
        return None
