"""One billing period of the organisation, simulated as blocks of rows (`period.PeriodSim`)."""
