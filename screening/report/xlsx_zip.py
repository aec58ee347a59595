"""Reading and writing zip members a megabyte at a time, with zlib in a background thread.

zlib inflates, deflates and checksums without holding the GIL, so while a helper thread
decompresses the next megabyte of the input, or compresses the last megabyte of output, the
main thread works on XML: on a 100,000-project ledger that hides most of the second or two the
compression costs.
"""
from __future__ import annotations

import queue
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

CHUNK = 1 << 20


class _MemberWriter:
    """Writes one open zip member; blocks go to a helper thread that compresses them."""

    def __init__(self, stream):
        self._stream = stream
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._parts: list[bytes] = []
        self._size = 0
        self._thread: threading.Thread | None = None  # started for the first full block only:
        # a small member is written at once (starting a thread costs about 2 ms)

    def write(self, data: bytes) -> None:
        """Queue `data`; pieces are gathered into megabyte blocks (the compressor works per call)."""
        self._parts.append(data)
        self._size += len(data)
        if self._size >= CHUNK:
            self._send()

    def _send(self) -> None:
        if self._error is not None:
            raise self._error
        if self._thread is None:
            self._thread = threading.Thread(target=self._drain, args=(self._stream,), daemon=True)
            self._thread.start()
        if self._parts:
            self._queue.put(b"".join(self._parts))
        self._parts, self._size = [], 0

    def _drain(self, stream) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is None:  # after a failure, keep taking blocks so no put() blocks
                try:
                    stream.write(block)
                except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                    self._error = exc

    def close(self, flush: bool) -> None:
        if self._thread is None:
            if flush:
                self._stream.write(b"".join(self._parts))
            return
        try:
            if flush:
                self._send()
        finally:
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


@contextmanager
def member(out: zipfile.ZipFile, name: str) -> Iterator[_MemberWriter]:
    """A writer for member `name` of `out`; the member is complete when the block ends."""
    with out.open(name, "w") as stream:
        writer = _MemberWriter(stream)
        try:
            yield writer
        except BaseException:
            writer.close(flush=False)
            raise
        writer.close(flush=True)


def copy_member(source: zipfile.ZipFile, name: str, out: zipfile.ZipFile) -> None:
    with source.open(name) as reader, out.open(name, "w") as writer:
        shutil.copyfileobj(reader, writer, CHUNK)


def read_ahead(read: Callable[[], bytes], depth: int = 3) -> Iterator[bytes]:
    """The blocks `read()` returns until an empty one, read by a helper thread `depth` ahead."""
    blocks: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fill() -> None:
        try:
            while not stop.is_set():
                block = read()
                blocks.put(block)
                if not block:
                    return
        except BaseException as exc:  # noqa: BLE001 - raised again in the reading thread
            blocks.put(exc)

    thread = threading.Thread(target=fill, daemon=True)
    thread.start()
    try:
        while (block := blocks.get()):
            if isinstance(block, BaseException):
                raise block
            yield block
    finally:
        stop.set()
        while thread.is_alive():  # unblock a put() so the thread sees the stop
            try:
                blocks.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()
