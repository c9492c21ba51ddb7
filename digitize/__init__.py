"""digitize: turn scanned pages into upright, searchable PDF/A plus text. Bytes in, result out; no
HTTP, database or object store in here (see docs/architecture.md)."""
