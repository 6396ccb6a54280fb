"""`undersigned serve`: a live preview of a campaign in the browser."""
