"""Reading sources: fetching files and URLs, the adapters of each format, release-text claims,
model aliases, and the ingest that prepares each source in a worker process."""
