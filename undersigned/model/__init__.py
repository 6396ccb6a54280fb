"""The data model: reading YAML with positions, the models, their messages, terms, languages."""
