"""The indicator table (Parquet, partitioned by measure and period) and the manifest."""
