"""Templates: the Jinja environment, its filters, and reading templates without rendering."""
