"""Plotly figure dicts built from the services' frames (templates never compute)."""
