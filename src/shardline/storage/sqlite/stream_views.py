"""Stream storage for the SQLite adapter (the streams part of the ReadView and WriteView)."""

from __future__ import annotations


class StreamReadMixin:
    pass


class StreamWriteMixin:
    pass
