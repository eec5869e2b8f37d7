"""Prometheus metrics of issues-api: `GET /metrics` (README "Metrics").

Each process has its own registry (`AppMetrics.registry`): with several uvicorn workers in one
container every scrape would see one worker's numbers only, so the deployment runs one
process per pod and Prometheus sums across pods.
"""
