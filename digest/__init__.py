"""newsdigest: a folder of news articles in, a static news digest site out."""

__version__ = "0.1.0"
__all__ = ["__version__"]
