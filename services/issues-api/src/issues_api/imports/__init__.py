"""Bringing a round in from the office's own files: the 台账 (.xlsx) and the 整改方案 (.docx)."""
