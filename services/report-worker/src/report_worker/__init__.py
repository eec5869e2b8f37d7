"""Rectify report-worker: renders requested reports (the ledger as .md and .xlsx) into the database."""
