"""Durable processing jobs (DBOS Transact): a closed batch is planned into documents, and each
document is digitized, its fields extracted and its results stored, surviving crashes."""
