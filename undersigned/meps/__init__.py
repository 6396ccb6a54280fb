"""The European Parliament's lists of Members: import them as a signatory list, check one against them."""
