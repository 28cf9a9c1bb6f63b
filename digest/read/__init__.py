"""The read stage: find the sources, read each format, normalize them into articles."""
