"""Channel sync (SPEC §3, S-1/S-5/S-6/S-8): what each channel may sell (allotments), publishing it
through rate-limited push lanes, the orders channels report (webhook inbox, booking) and
reconciliation. It stands on the stock pool and never the other way round.
"""
