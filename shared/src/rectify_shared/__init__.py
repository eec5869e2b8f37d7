"""Rectify shared library: what issues-api, notifier and report-worker all import.

It imports nothing from a service.
"""
