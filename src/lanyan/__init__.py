"""Lanyan (蓝焰): command, dispatch and fire prevention for a city fire-rescue detachment."""

__version__ = "0.1.0"
__all__ = ["__version__"]
