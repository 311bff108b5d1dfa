"""A local SMTP server for the mail fault tests (server/tests/it/smtp.rs), built on aiosmtpd.

usage: smtp_sink.py PORT FOLDER [--delay SECONDS] [--refuse]

Each message it accepts becomes a file in FOLDER (the raw message as received, named so that files
sort by arrival). --delay waits that long before answering each message's DATA (a slow server);
--refuse answers every message with a temporary failure (451) and keeps nothing. Prints "ready"
once it listens, and runs until killed.
"""
import argparse
import asyncio
import itertools
import pathlib
import time

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder: pathlib.Path, delay: float, refuse: bool):
        self.folder = folder
        self.delay = delay
        self.refuse = refuse
        self.numbers = itertools.count()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        if self.refuse:
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        name = f"{time.time_ns():020d}-{next(self.numbers):06d}.eml"
        partial = self.folder / (name + ".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / name)
        return "250 2.0.0 Message accepted"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--refuse", action="store_true")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    handler = Sink(args.folder, args.delay, args.refuse)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", args.port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
