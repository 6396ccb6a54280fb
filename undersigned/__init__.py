"""undersigned: letters and parliamentary questions from structured case data."""

__version__ = "0.1.0"
