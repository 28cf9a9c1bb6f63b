"""The summarize stage: article summaries, story summaries traced to their sources, key facts."""
