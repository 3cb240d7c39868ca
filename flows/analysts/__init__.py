"""The analysts' side: the snapshot they query, SQL and Parquet export, backfill."""
