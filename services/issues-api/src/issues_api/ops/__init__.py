"""Operations beyond one process: backup/restore of the embedded default, migration waits, probes."""
