"""Several processes, one desk: the routing leader's lease (PostgreSQL, with fencing), the processes'
roll call, and the guard that keeps one SQLite database to one process."""
