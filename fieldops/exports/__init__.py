"""CSV and GeoJSON downloads of requests and work orders for a filter (staff only, no personal data)."""
