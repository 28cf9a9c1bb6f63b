"""The group stage: duplicates, stories, topics, and the days they fall on."""
