"""Operations: run records, monitors and alerts, run history, run failure, and the scrapyd
schedule."""
