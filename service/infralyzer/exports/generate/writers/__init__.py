"""One writer per AWS export (CUR 2.0, FOCUS 1.2, Cost Optimization Hub, carbon), each turning the
simulated period into the export's Arrow schema."""
