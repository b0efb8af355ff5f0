"""MongoDB storage: the client, collections and indexes, records and their writes, the spool,
stories (deduplication decisions) and the embedded mongod."""
