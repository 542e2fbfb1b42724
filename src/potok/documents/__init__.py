"""User-defined document types (fields, statuses, numbering) and their documents; custom fields of built-in
entities. Writes go through `potok.documents.services`, reads through `potok.documents.selectors`."""
