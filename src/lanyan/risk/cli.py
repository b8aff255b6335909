"""``lanyan risk ...``: scoring, the assessment report and the backtest of the hot-spot forecast.

The commands of this package hang on :data:`risk_app`: the scoring and report commands are
defined here; the backtest command (:mod:`lanyan.risk.backtest`) adds itself with
``@risk_app.command()`` and is imported at the bottom of this module when it exists.
"""

from __future__ import annotations

import typer

risk_app = typer.Typer(help="风险感知与预警 risk scoring and early warning", no_args_is_help=True)


from lanyan.risk import backtest_cli  # noqa: E402, F401  (issue 18, forecast: lanyan risk backtest)
