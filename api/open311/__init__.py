"""Open311 GeoReport v2 over our sectors and items."""
