"""The REST API (FastAPI), an adapter over the services like the command line."""
