"""Feed formats: one parser per format (bytes in, a validated Snapshot out) and what they share."""
