"""SmtpChannel against a real aiosmtpd server on 127.0.0.1."""

import socket
import ssl

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifier.delivery.channels.base import OutgoingMessage, PermanentError, TransientError
from notifier.delivery.channels.email import SmtpChannel, message_id
from rectify_shared.settings import Settings

from .channel_servers import CapturingHandler, free_port, self_signed_cert, server_tls_context, smtp_server

SUBJECT = "【整改通知】问题 #12「消防通道堵塞」已逾期 3 天"
BODY = "张工，您好：\n\n问题 #12 的整改期限为 2025年3月1日，现已逾期，请尽快处理并上传整改照片。\n\n——整改通"


def settings(port: int, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_from": "整改通 <rectify@example.cn>",
        "smtp_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def message(key: str = "delivery-7", address: str = "zhang.gong@example.cn") -> OutgoingMessage:
    return OutgoingMessage(delivery_id=7, idempotency_key=key, address=address, subject=SUBJECT, body=BODY)


async def test_a_chinese_mail_arrives_with_subject_body_and_message_id_intact():
    handler = CapturingHandler()
    with smtp_server(handler) as server:
        channel = SmtpChannel(settings(server.port))
        result = await channel.send(message())
        await channel.aclose()

    [(mail_from, rcpt_tos, mail, raw)] = handler.messages
    assert mail_from == "rectify@example.cn"
    assert rcpt_tos == ["zhang.gong@example.cn"]
    assert raw.isascii()  # RFC 2047 subject, base64/quoted-printable body: 7-bit clean on the wire
    assert b"=?utf-8?" in raw.lower()
    assert mail["Subject"] == SUBJECT
    assert mail["From"].addresses[0].display_name == "整改通"
    assert mail["From"].addresses[0].addr_spec == "rectify@example.cn"
    assert mail["To"] == "zhang.gong@example.cn"
    assert mail["Message-ID"] == "<delivery-7@rectify>" == result.provider_message_id
    assert mail.get_content_type() == "text/plain"
    assert mail.get_content_charset() == "utf-8"
    assert mail.get_content().rstrip("\n") == BODY


async def test_a_resend_carries_the_same_message_id():
    handler = CapturingHandler()
    with smtp_server(handler) as server:
        channel = SmtpChannel(settings(server.port))
        first = await channel.send(message("delivery-9:abc"))
        second = await channel.send(message("delivery-9:abc"))
    ids = [m[2]["Message-ID"] for m in handler.messages]
    assert ids == [first.provider_message_id, second.provider_message_id]
    assert ids[0] == ids[1] == message_id("delivery-9:abc")
    assert [m[3].count(b"Message-ID:") for m in handler.messages] == [1, 1]


def test_message_ids_stay_valid_for_awkward_keys():
    assert message_id("d-1.a_b") == "<d-1.a_b@rectify>"
    awkward = message_id("key with spaces <and> @ signs")
    assert awkward == message_id("key with spaces <and> @ signs")
    assert " " not in awkward and awkward.count("@") == 1


async def test_a_temporary_refusal_is_transient():
    with smtp_server(CapturingHandler(data_reply="451 4.3.0 Try again later")) as server:
        with pytest.raises(TransientError, match="451"):
            await SmtpChannel(settings(server.port)).send(message())


async def test_a_busy_mailbox_at_rcpt_is_transient():
    with smtp_server(CapturingHandler(rcpt_reply="452 4.2.2 Mailbox full")) as server:
        with pytest.raises(TransientError, match="452"):
            await SmtpChannel(settings(server.port)).send(message())


async def test_an_unknown_recipient_is_permanent():
    with smtp_server(CapturingHandler(rcpt_reply="550 5.1.1 No such user")) as server:
        with pytest.raises(PermanentError, match="550"):
            await SmtpChannel(settings(server.port)).send(message())


async def test_a_rejected_message_is_permanent():
    with smtp_server(CapturingHandler(data_reply="554 5.7.1 Message rejected")) as server:
        with pytest.raises(PermanentError, match="554"):
            await SmtpChannel(settings(server.port)).send(message())


async def test_nothing_listening_is_transient():
    with pytest.raises(TransientError):
        await SmtpChannel(settings(free_port())).send(message())


async def test_a_server_that_never_answers_is_transient():
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        channel = SmtpChannel(settings(silent.getsockname()[1], smtp_timeout=0.5))
        with pytest.raises(TransientError):
            await channel.send(message())


async def test_a_malformed_address_is_permanent_without_connecting():
    for bad in ("not-an-address", "a@", "a@b.cn\r\nBcc: x@y.cn"):
        with pytest.raises(PermanentError):
            await SmtpChannel(settings(free_port())).send(message(address=bad))


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"rectify", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    made = self_signed_cert(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("openssl is not available to make a test certificate")
    return made


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("mode", ["starttls", "ssl"])
async def test_tls_with_login(cert, mode):
    cert_file, key_file = cert
    server_ctx = server_tls_context(cert_file, key_file)
    # aiosmtpd offers AUTH on implicit TLS only with auth_require_tls off (it checks for STARTTLS)
    tls = (
        {"tls_context": server_ctx, "require_starttls": True}
        if mode == "starttls"
        else {"ssl_context": server_ctx, "auth_require_tls": False}
    )
    client_ctx = ssl.create_default_context(cafile=str(cert_file))
    handler = CapturingHandler()
    with smtp_server(handler, authenticator=_authenticator, auth_required=True, **tls) as server:
        good = settings(server.port, smtp_tls=mode, smtp_user="rectify", smtp_password="s3cret")
        await SmtpChannel(good, tls_context=client_ctx).send(message())
        bad = settings(server.port, smtp_tls=mode, smtp_user="rectify", smtp_password="wrong")
        with pytest.raises(PermanentError, match="535"):
            await SmtpChannel(bad, tls_context=client_ctx).send(message())
        untrusted = settings(server.port, smtp_tls=mode)  # default trust store: the self-signed cert fails
        with pytest.raises(TransientError):
            await SmtpChannel(untrusted).send(message())
    assert [m[2]["Subject"] for m in handler.messages] == [SUBJECT]
