"""The answer cache: repeated GETs of named queries and SPARQL queries answered from the server process's memory.

An LRU of whole 200 answers (body and headers), bounded by bytes (`answer_cache`) and by entries
(`answer_cache_entries`); either at 0 turns it off. An answer larger than an eighth of the byte budget is not kept,
so one large answer cannot push out every other. Keys are the answers' ETags (server.conditional), which
already name the store's state; the cache also holds that state (`epoch`): a write or a build resets it, and
an answer computed under an older state is not kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from flask import Response

LARGEST_SHARE = 8
"""An answer is kept only if it takes at most 1/LARGEST_SHARE of the byte budget."""


@dataclass(frozen=True)
class Stored:
    """A 200 answer as it left the view: its body and headers (no Content-Length: the response sets it)."""

    body: bytes
    headers: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        """The bytes the entry counts for: body and headers."""
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)

    @classmethod
    def of(cls, response: Response) -> Stored:
        """The body and headers of a finished (non-streamed) response."""
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() != "content-length")
        return cls(response.get_data(), headers)

    def response(self) -> Response:
        """A new 200 response with the stored body and headers."""
        return Response(self.body, 200, headers=list(self.headers))


class AnswerCache:
    """An LRU of Stored answers by key, at most `max_bytes` and `max_entries` (0: off); safe across threads."""

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        """An empty cache with these bounds."""
        self.max_bytes = max(0, max_bytes)
        self.max_entries = max(0, max_entries)
        self.epoch: str | None = None
        self.bytes = 0
        self.hits = self.misses = self.evictions = 0
        self._entries: OrderedDict[str, Stored] = OrderedDict()
        self._requests: OrderedDict[Hashable, tuple[str, tuple[tuple[str, str], ...]]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether anything can be kept."""
        return self.max_bytes > 0 and self.max_entries > 0

    def __len__(self) -> int:
        """How many answers it holds."""
        return len(self._entries)

    def get(self, key: str) -> Stored | None:
        """The answer kept under `key` (now the most recently used), or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: str, answer: Stored, epoch: str) -> bool:
        """Keep `answer` under `key` if it was computed under the current `epoch` and fits; evict the least
        recently used answers past the bounds. Whether it was kept."""
        size = answer.size
        if not self.enabled or size > self.max_bytes // LARGEST_SHARE:
            return False
        with self._lock:
            if epoch != self.epoch:
                return False
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.bytes -= previous.size
            self._entries[key] = answer
            self.bytes += size
            while self.bytes > self.max_bytes or len(self._entries) > self.max_entries:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.size
                self.evictions += 1
            return True

    def remember(self, request: Hashable, key: str, headers: tuple[tuple[str, str], ...], epoch: str) -> None:
        """Note that `request` (what identifies a request in full: server.lean) was answered by the answer kept under
        `key`, with exactly these headers; forgotten with the answer's epoch, at most `max_entries` of them."""
        with self._lock:
            if epoch != self.epoch or key not in self._entries:
                return
            self._requests[request] = (key, headers)
            self._requests.move_to_end(request)
            while len(self._requests) > self.max_entries:
                self._requests.popitem(last=False)

    def recall(self, request: Hashable) -> tuple[str, bytes, tuple[tuple[str, str], ...]] | None:
        """The key, body and headers `request` was answered with, while its answer is kept (counted as a hit)."""
        with self._lock:
            noted = self._requests.get(request)
            found = self._entries.get(noted[0]) if noted is not None else None
            if noted is None or found is None:
                return None
            self._entries.move_to_end(noted[0])
            self._requests.move_to_end(request)
            self.hits += 1
            return noted[0], found.body, noted[1]

    def reset(self, epoch: str | None) -> None:
        """Forget every answer; from now on only answers computed under `epoch` are kept."""
        with self._lock:
            self._requests.clear()
            self._entries.clear()
            self.bytes = 0
            self.epoch = epoch
