"""The commands beside build's pipeline: build, fetch, serve, publish, new."""
