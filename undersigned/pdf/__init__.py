"""Making PDFs: layout and writing with WeasyPrint, the fetcher, glyphs, signature fields."""
