"""Rectify notifier: consumes ledger events (later: deadline scans, escalations, delivery)."""
