"""Sales: leads, pipelines and deals, products and price lists, quotes and invoices, sales reports."""
