"""Reading raw survey exports and the files that describe them."""
