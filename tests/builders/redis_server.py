"""A Redis server of the test's own, on a free port, that the test stops and starts (the fault tests).

Never the shared Redis on 6379: this one is started by the test, with nothing saved to disk, and stopped at
the end. ``stop()`` kills it (what a crash or a restart looks like to the clients); ``start()`` brings it back
on the same port, empty, as a Redis without persistence comes back."""

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import redis

FAULTS_GROUP = "faults"  # the fault tests run one after another in one xdist process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "the fault tests need redis-server (Debian package redis-server)"
        self.process = subprocess.Popen(  # noqa: S603 (a fixed binary and arguments)
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A started Redis of the test's own, stopped at the end whatever happens."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
