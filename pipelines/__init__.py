"""Item pipelines, one per module: clean → validate → dedup → relevance → keywords → mongo."""
