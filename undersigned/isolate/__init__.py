"""Rendering in isolated processes: the fork server, its workers, their lifeline and limits."""
