"""Dispatch: call intake, incidents, graded response plans, unit recommendation."""
