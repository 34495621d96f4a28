"""Secondary-index storage for the SQLite adapter (the index part of the ReadView and WriteView)."""

from __future__ import annotations


class IndexReadMixin:
    pass


class IndexWriteMixin:
    pass
