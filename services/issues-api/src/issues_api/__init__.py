"""Rectify issues-api: the ledger, its API and its schema."""
