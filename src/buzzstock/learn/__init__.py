"""Learn (SPEC §5, K-1 … K-4): KPIs per trend and crisis, the market simulator's demand side,
the backtest on the virtual clock, and reports."""
