"""The API's in-memory caches, per served version of the marts: whole answers to repeated requests
(`responses`, before routing) and query results (`results`, below every endpoint), both bounded
by bytes (`lru`)."""
