"""Models and their training stages, reading only data/ through schemas/ (never tasks/ or flows/)."""
