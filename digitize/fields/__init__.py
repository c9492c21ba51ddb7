"""Fields for reuse: classify a document, extract typed fields with confidence, validate them.
Field names and formats are the contract in shared/domain/fields.md."""
