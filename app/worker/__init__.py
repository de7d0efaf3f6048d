"""Background work on the PostgreSQL job queue (PgQueuer): webhook fan-out and deliveries,
rescoring after an actor's influence changed, `recompute-all`, pruning, the level scan."""
