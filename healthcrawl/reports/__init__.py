"""What the data team reads: the weekly bulletin and the CSV/JSONL export."""
