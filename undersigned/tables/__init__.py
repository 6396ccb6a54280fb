"""Tables as data sources: reading CSV and XLSX files row by row (:mod:`.read`) and turning
rows into the campaign's models (:mod:`.rows`), every problem located at its row and column."""
