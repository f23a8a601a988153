"""The curator's reports over HTTP: JSON, CSV or XLSX."""
