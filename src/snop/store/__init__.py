"""The store: SQLAlchemy tables, Alembic migrations, and frames in and out of them."""
