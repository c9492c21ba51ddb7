"""Object store, record index and event log (coming: issue 4)."""
