"""The ``drills.*`` figures (defined in :mod:`lanyan.duty.figures`), registered as a section of
their own: the registry loads one ``SECTION`` per module."""

from lanyan.duty.figures import DRILLS as SECTION

__all__ = ["SECTION"]
