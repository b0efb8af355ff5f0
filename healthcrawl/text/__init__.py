"""Text processing without I/O: dates, URLs, word segmentation, redaction, near-duplicate
fingerprints and relevance scoring."""
