"""Database sessions (embedded DuckDB or any SQLAlchemy URL) and the job runner."""
