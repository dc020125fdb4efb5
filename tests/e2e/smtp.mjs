// A real SMTP server for the browser tests (the integration tests use aiosmtpd): it
// accepts every message on a loopback port and keeps it, so a test can follow the links
// a notice carries. Just the commands a client without TLS or AUTH sends.
import { createServer } from "node:net";

export class Mailbox {
    static async start() {
        const m = new Mailbox();
        m.messages = [];
        m.server = createServer((sock) => m.session(sock));
        await new Promise((r) => m.server.listen(0, "127.0.0.1", r));
        m.url = `smtp://127.0.0.1:${m.server.address().port}`;
        return m;
    }

    session(sock) {
        let buf = "";
        let data = null;
        let to = [];
        sock.write("220 test ESMTP\r\n");
        sock.on("data", (chunk) => {
            buf += chunk.toString("latin1");
            for (;;) {
                if (data !== null) {
                    const end = buf.indexOf("\r\n.\r\n");
                    if (end < 0) return;
                    this.messages.push({ to, raw: Buffer.from(data + buf.slice(0, end), "latin1").toString("utf8") });
                    buf = buf.slice(end + 5);
                    data = null;
                    to = [];
                    sock.write("250 accepted\r\n");
                    continue;
                }
                const nl = buf.indexOf("\r\n");
                if (nl < 0) return;
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 2);
                const verb = line.slice(0, 4).toUpperCase();
                if (verb === "EHLO" || verb === "HELO") sock.write("250 test\r\n");
                else if (verb === "RCPT") { to.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, "$1")); sock.write("250 OK\r\n"); }
                else if (verb === "DATA") { data = ""; sock.write("354 go ahead\r\n"); }
                else if (verb === "QUIT") { sock.end("221 bye\r\n"); return; }
                else sock.write("250 OK\r\n");
            }
        });
    }

    /* Waits until a message to address arrived; returns its text body, decoded. */
    async waitFor(address, timeoutMs = 15000) {
        for (const end = Date.now() + timeoutMs; Date.now() < end;) {
            const m = this.messages.find((x) => x.to.includes(address));
            if (m) return bodyText(m.raw);
            await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`no mail to ${address}`);
    }

    stop() {
        return new Promise((r) => this.server.close(r));
    }
}

/* The text/plain part of a message, undoing base64 or quoted-printable. */
function bodyText(raw) {
    const part = raw.split(/\r?\n\r?\n/);
    const headers = part[0];
    let body = part.slice(1).join("\n\n").replace(/^\.\./gm, ".");
    if (/Content-Transfer-Encoding:\s*base64/i.test(headers)) body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    else if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(headers)) {
        body = Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
    }
    return body;
}
