"""Statistics: raking weights (weighting) and design-based estimates."""
