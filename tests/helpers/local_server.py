"""The life cycle the local API servers share: a threaded HTTP server on 127.0.0.1.

:class:`LocalServer` binds a free port, serves from a thread while a ``with`` block
runs, and hands every request to the subclass's ``_handle(handler, method)``. The
arXiv, Semantic Scholar/DBLP and Zotero stand-ins differ only in what they answer.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

_S = TypeVar("_S", bound="LocalServer")


class QuietServer(ThreadingHTTPServer):
    """A client that hung up (after a timeout) is not an error worth printing.

    Without this, a reply to a client that gave up (for example on the arXiv server's
    ``hang`` fault) prints a ``BrokenPipeError`` traceback on stderr, possibly in the
    middle of a later test.
    """

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 and a free port; use as a context manager.

    Subclasses call :meth:`_serve` from ``__init__`` and answer in
    ``_handle(handler, method)``. ``methods`` are the HTTP verbs served;
    ``protocol_version`` is that of the answers (``HTTP/1.1`` keeps connections open).
    """

    methods: tuple[str, ...] = ("GET",)
    protocol_version = "HTTP/1.0"

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    def _serve(self) -> None:
        server = self

        def answer(method: str):
            return lambda handler: server._handle(handler, method)

        verbs = {f"do_{method}": answer(method) for method in self.methods}
        handler = type(
            "Handler",
            (BaseHTTPRequestHandler,),
            {
                "protocol_version": self.protocol_version,
                "log_message": lambda handler, *args: None,  # keep test output clean
                **verbs,
            },
        )
        self.httpd = QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self: _S) -> _S:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
