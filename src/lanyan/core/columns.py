"""Column helpers shared by the domain models."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.core.clock import utcnow
from lanyan.core.db import UTCDateTime


def enum_column(enum_cls: type[Enum], **kwargs: Any) -> Any:
    """Store an enum by its value as a VARCHAR with a CHECK constraint (same on both databases)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
        **kwargs,
    )


class Timestamps:
    """created_at / updated_at in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
