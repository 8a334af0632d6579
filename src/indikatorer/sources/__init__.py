"""Source adapters: read a layout (``sources/*.yaml``) from files or a SQLAlchemy URL into
normalised temporary tables of the run's database session."""
from .reader import LoadedSource, LoadedTable, load_source

__all__ = ["LoadedSource", "LoadedTable", "load_source"]
