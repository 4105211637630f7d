"""One writer per process for a kind of row that thousands of sockets write at once (answers, listeners): the
callers queue their item and wait; the writer takes what is queued, up to a batch, and stores it in one
transaction. A batch that fails is stored item by item, so one bad row refuses only itself.

Under SQLite each caller writing on its own queued for the one write lock while holding a pooled connection;
one writer commits a few hundred rows in the time one commit took.
"""

from __future__ import annotations

import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from core.db import DatabaseBusy

Item = TypeVar("Item")


class BatchWriter(ABC, Generic[Item]):
    """Subclasses say how a batch is stored (`store`) and how an item is refused (`refuse`); each item has a
    `done` event, set once its outcome is filled in."""

    max_batch = 500
    what = "item"  # for the log

    def __init__(self, app: Any, start_task: Callable[..., Any]) -> None:
        self.app = app
        self.queue: queue.Queue[Item] = queue.Queue()
        self._start_task = start_task
        self._started = False
        self._lock = threading.Lock()

    @abstractmethod
    def store(self, batch: list[Item]) -> None:
        """Store the batch in one transaction and fill each item's outcome."""

    @abstractmethod
    def refuse(self, item: Item, busy: bool) -> None:
        """Fill the outcome of an item that could not be stored (`busy`: the database was held too long)."""

    def forget(self, item: Item) -> None:
        """Clear what a failed batch filled in, before the item is stored on its own."""

    def put_and_wait(self, item: Item, timeout_s: float) -> bool:
        """Queue the item and wait for its batch; False when it did not come back in time."""
        with self._lock:
            if not self._started:
                self._started = True
                self._start_task(self._run)
        self.queue.put(item)
        return item.done.wait(timeout_s)  # type: ignore[attr-defined]

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            self.process(batch)

    def process(self, batch: list[Item]) -> None:
        """Store a batch (item by item if it fails as a whole), then release every waiting caller."""
        try:
            self.store(batch)
        except DatabaseBusy:  # another process holds the database past the busy timeout: the caller retries
            self.app.logger.warning("%s batch not stored: database busy", self.what)
            for item in batch:
                self.refuse(item, busy=True)
        except Exception as error:  # noqa: BLE001 - one bad row must not fail the others: store them one by one
            self.app.logger.warning("%s batch of %d failed (%s): storing one by one", self.what, len(batch),
                                    type(error).__name__)
            self._one_by_one(batch)
        for item in batch:
            item.done.set()  # type: ignore[attr-defined]

    def _one_by_one(self, batch: list[Item]) -> None:
        for item in batch:
            self.forget(item)
            try:
                self.store([item])
            except DatabaseBusy:
                self.refuse(item, busy=True)
            except Exception:  # never leave a caller waiting; the writer lives on
                self.app.logger.exception("%s not stored", self.what)
                self.refuse(item, busy=False)
