#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A real SMTP server on loopback for the delivery tests (aiosmtpd). Usage:
#   smtp-sink.py DIR [REJECTED-ADDRESS...]
# Prints its port on stdout, then serves until stdin closes. Each accepted
# message is saved as DIR/NNNN.eml (raw) and DIR/NNNN.json (parsed with
# Python's email package: headers decoded, one entry per MIME leaf part).
# RCPT TO a rejected address gets "550 5.1.1 ... User unknown".
# With LK_SINK_TLS_CERT and LK_SINK_TLS_KEY it requires STARTTLS; with
# LK_SINK_AUTH=user:password it requires that login (over TLS).
import email
import email.policy
import json
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, outdir, rejected):
        self.outdir = outdir
        self.rejected = set(a.lower() for a in rejected)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            parts.append({
                "type": part.get_content_type(),
                "charset": part.get_content_charset(),
                "text": part.get_content(),
            })
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "content_type": msg.get_content_type(),
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "date": str(msg["date"]),
            "date_valid": msg["date"].datetime is not None,
            "message_id": str(msg["message-id"]),
            "defects": [str(d) for d in msg.defects],
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "parts": parts,
        }
        name = os.path.join(self.outdir, "%04d" % self.count)
        self.count += 1
        with open(name + ".eml.tmp", "wb") as f:
            f.write(raw)
        os.rename(name + ".eml.tmp", name + ".eml")
        with open(name + ".json.tmp", "w") as f:
            json.dump(summary, f)
        os.rename(name + ".json.tmp", name + ".json")
        return "250 2.0.0 Message accepted"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    outdir = sys.argv[1]
    port = free_port()
    params = {}
    cert = os.environ.get("LK_SINK_TLS_CERT")
    if cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, os.environ["LK_SINK_TLS_KEY"])
        params.update(tls_context=context, require_starttls=True)
    auth = os.environ.get("LK_SINK_AUTH")
    if auth:
        user, password = auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            ok = data.login.decode() == user and data.password.decode() == password
            return AuthResult(success=ok)

        params.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(cert))
    controller = Controller(Sink(outdir, sys.argv[2:]), hostname="127.0.0.1", port=port, **params)
    controller.start()
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
