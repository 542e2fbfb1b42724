"""Process pages: the monitor (definitions, instances, heatmap, diff), an instance's page with its
operations, the designer, and the processes shown on a record's page."""
