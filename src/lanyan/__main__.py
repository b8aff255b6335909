"""``python -m lanyan``."""

from lanyan.cli import main

main()
