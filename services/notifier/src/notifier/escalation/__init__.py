"""The escalation ladder (预警 → 通报 → 督办 → 约谈): pure policy in `ladder`, the bulk scan in `scan`."""
