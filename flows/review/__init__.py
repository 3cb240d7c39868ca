"""The editors' side: the editorial store, edits, publishing and the review app."""
