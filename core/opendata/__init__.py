"""Open-data ingest: GSI shelter GeoJSON and 自治体標準オープンデータセット CSVs, with row reports."""
