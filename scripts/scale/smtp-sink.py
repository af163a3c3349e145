#!/usr/bin/env python3
"""smtp-sink.py — a minimal SMTP server for scripts/scale/multi-instance.sh.

Usage: smtp-sink.py PORT LOGFILE [DELAY_SECONDS]

Listens on 127.0.0.1:PORT, speaks enough RFC 5321 for gongkai's client with
--smtp-security none and no user name (EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT), accepts every message and appends one line per message to
LOGFILE: "<Message-ID>\t<Subject>". It waits DELAY_SECONDS (default 0)
before answering the end of DATA, so that each send takes a while and the
instances' schedulers overlap. Standard library only; stops on SIGTERM.
"""

import signal
import socketserver
import sys
import threading
import time

PORT = int(sys.argv[1])
LOG = sys.argv[2]
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.reply("220 smtp-sink ready")
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            cmd = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-smtp-sink")
                self.reply("250-8BITMIME")
                self.reply("250 SIZE 10485760")
            elif verb == "HELO":
                self.reply("250 smtp-sink")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                headers, in_headers = {}, True
                last = None
                while True:
                    line = self.rfile.readline(1 << 20)
                    if not line:
                        return
                    text = line.decode("utf-8", "replace").rstrip("\r\n")
                    if text == ".":
                        break
                    if in_headers:
                        if text == "":
                            in_headers = False
                        elif text[0] in " \t" and last:
                            headers[last] += " " + text.strip()
                        elif ":" in text:
                            name, value = text.split(":", 1)
                            last = name.strip().lower()
                            headers[last] = value.strip()
                if DELAY > 0:
                    time.sleep(DELAY)
                with lock:
                    with open(LOG, "a", encoding="utf-8") as f:
                        f.write("%s\t%s\n" % (headers.get("message-id", ""), headers.get("subject", "")))
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 command not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", PORT), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    srv.serve_forever()


if __name__ == "__main__":
    main()
