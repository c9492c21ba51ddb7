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

# The archive's scheduled care (workflows/scheduled.py), in the process of the worker that ran
# the scheduled time (one per time, however many workers): alert when the last run is old.
SCHEDULED_LAST_RUN = Gauge(
    "hoso_scheduled_last_run_timestamp_seconds",
    "Scheduled time (Unix seconds) of the latest finished run of each scheduled job",
    ["job"],
)
FIXITY_SAMPLED = Counter(
    "hoso_fixity_sampled_objects_total", "Objects checked by scheduled fixity sampling"
)
FIXITY_PROBLEMS = Counter(
    "hoso_fixity_problems_total", "Objects found missing or changed by scheduled fixity sampling"
)
FIXITY_LAST_PROBLEMS = Gauge(
    "hoso_fixity_last_run_problems", "Objects missing or changed in the latest sampled run"
)
RENEWAL_DUE = Gauge(
    "hoso_signatures_renewal_due",
    "Signed copies whose long-term validity needed renewal at the latest check",
)
RENEWED = Counter(
    "hoso_signatures_renewed_total", "Signed copies renewed by the scheduled check", ["outcome"]
)
