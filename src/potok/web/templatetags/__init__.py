"""Template tags of the web interface."""
