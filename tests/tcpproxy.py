"""A TCP forwarder the tests can cut: a network partition between hoso and its database.

`cut()` drops every open connection and refuses new ones (connection refused, as when the server
is down); `restore()` listens again on the same port. Threads, one pair per connection.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from types import TracebackType


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int, pause_s: float = 0.0) -> None:
        """`pause_s` after each 64 KiB forwarded: a slow link, so a cut lands mid-transfer."""
        self.target = (target_host, target_port)
        self.pause_s = pause_s
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()

    def __enter__(self) -> CuttableProxy:
        self.restore()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.cut()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            listener.close()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=_pump, args=(source, sink, self.pause_s), daemon=True
                ).start()


def _pump(source: socket.socket, sink: socket.socket, pause_s: float) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
            if pause_s:
                time.sleep(pause_s)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
