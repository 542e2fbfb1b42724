"""Document pages: the administrator's designer (designer.py), the documents of each type (records.py), their
list and export (listing.py, export.py), and the navigation entries of the types a user may read."""
