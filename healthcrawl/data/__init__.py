"""Package data: relevance lexicon and jieba user dictionary."""
