"""Lanyan (蓝焰): the command, dispatch and fire-prevention platform of a city fire-rescue detachment."""

__version__ = "0.1.0"
__all__ = ["__version__"]
