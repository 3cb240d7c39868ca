"""The DuckDB store: its schema and migrations, validation and loading of facts, and the
reads that give a day's facts."""
