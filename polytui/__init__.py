"""polytui: review PolyAI conversations in the terminal."""

__version__ = "0.1.0"
