"""Everything that simulates or fakes: buzz scenarios, local fakes of the social and channel
platforms, the live-sale and stress harnesses, and the local server they run on.

Production code never imports this package (an import contract checks it); tests, benchmarks,
the demo, the CLI's simulation commands and learn's backtest do.
"""
