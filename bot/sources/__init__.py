"""Feed transports: HTTP (conditional GET), a file, a replay of files; and their FetchError."""
