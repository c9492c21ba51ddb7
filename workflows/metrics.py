"""Prometheus metrics of the jobs, in the worker's process; `hoso serve` exposes them at
/metrics with the API's, a separate `hoso worker` on its own port (`--metrics-port`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PAGES = Counter("hoso_pages_processed_total", "Pages digitized by this worker")
DOCUMENTS = Counter(
    "hoso_documents_processed_total", "Documents finished by this worker", ["status"]
)
STEP_SECONDS = Histogram(
    "hoso_step_seconds",
    "Duration of job steps",
    ["step"],
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
)

# Read from the index and the jobs database when /metrics is scraped (the per-status count at most
# every 30 s: api/routes/health.py), shared by all workers.
DOCUMENTS_BY_STATUS = Gauge("hoso_documents", "Documents in the archive by status", ["status"])
QUEUE_DEPTH = Gauge("hoso_queue_depth", "Workflows enqueued or running")
