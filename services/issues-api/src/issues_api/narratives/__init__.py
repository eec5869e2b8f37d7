"""The narrative of a progress report (整改落实情况报告): stored per round and reporting org.

The office writes the sections; the report-worker prints them after the opening paragraph it
computes from the ledger. Replacing a narrative is audited with the text before and after.
"""
