"""The incremental engine: per-file and per-step memos, workers, page reuse. Stages never import it."""
