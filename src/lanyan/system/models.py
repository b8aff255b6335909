"""Tables of the deployment itself: settings kept in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.core.clock import utcnow
from lanyan.core.db import Base, UTCDateTime


class SystemSetting(Base):
    """One deployment setting that belongs with the data (the city's road file), not the host.

    The road file is stored here so that every process and every command of a deployment uses the
    same city's roads; an environment variable may still override it for one process.
    """

    __tablename__ = "system_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
