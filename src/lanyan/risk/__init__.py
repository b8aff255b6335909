"""Risk sensing and early warning (风险感知、早期预警): scores, forecast, backtest, warnings."""
