"""Prometheus metrics of background work (in the process that runs the worker)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOBS = Counter("jobs_total", "Jobs run by this process", ["job", "outcome"])
JOB_SECONDS = Histogram(
    "job_duration_seconds",
    "How long jobs took",
    ["job"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
WEBHOOK_ATTEMPTS = Counter(
    "webhook_attempts_total", "Webhook delivery attempts", ["outcome"]
)  # succeeded | failed
WEBHOOK_DELIVERIES = Counter(
    "webhook_deliveries_finished_total", "Deliveries finished", ["status"]
)  # succeeded | failed (out of attempts)
WEBHOOK_ATTEMPT_SECONDS = Histogram(
    "webhook_attempt_seconds",
    "Time of one delivery attempt (the receiver's answer)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOK_DELIVERY_LAG = Histogram(
    "webhook_delivery_lag_seconds",
    "From a delivery's creation to its successful attempt (retries included)",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600, 86400),
)
QUEUE_DEPTH = Gauge(
    "job_queue_depth", "Jobs on the queue by name and status (read at scrape)", ["job", "status"]
)
