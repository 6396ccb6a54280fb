"""The Word copy of a document, for review with tracked changes: built from the copy's HTML."""
