"""Language tools every stage shares: words, sentences, word frequencies, boilerplate, readability."""
