"""Read, parse and chunk reports."""
