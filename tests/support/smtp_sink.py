"""A real SMTP server on loopback for the email tests (aiosmtpd).

Usage: smtp_sink.py DIR FAIL_FIRST [DELAY_SECONDS]
Prints "ready PORT" once listening. Every accepted message is written to DIR as NNNN.eml; the
first FAIL_FIRST deliveries are refused with 451 (a temporary failure: try again later). With
DELAY_SECONDS (a slow server), each DATA is answered that long after it arrived, and a file
DIR/.receiving exists while one is held (the message is written only once it is accepted).
Runs until its standard input is closed.
"""

import asyncio
import os
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, fail_first, delay):
        self.directory = directory
        self.fail_first = fail_first
        self.delay = delay
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.delay > 0:
            marker = os.path.join(self.directory, ".receiving")
            open(marker, "w").close()
            await asyncio.sleep(self.delay)
            os.remove(marker)
        if self.fail_first > 0:
            self.fail_first -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.count += 1
        path = os.path.join(self.directory, "%04d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    directory, fail_first = sys.argv[1], int(sys.argv[2])
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    port = free_port()
    controller = Controller(Sink(directory, fail_first, delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready %d" % port, flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
