"""Text processing without I/O: dates, URLs, whitespace and page titles, boilerplate rules,
word segmentation, traditional→simplified conversion, redaction, near-duplicate fingerprints, and
relevance (lexicon, scoring, keywords, priority, the learned layer and its training)."""
