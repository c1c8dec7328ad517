"""The deterministic model of the sample organisation: reference data, prices, accounts, resources
and commitments. Nothing here simulates a period or writes a file (see `organisation.py` for the
modelling choices, `simulation/` for a billing period, `writers/` for the exports)."""
