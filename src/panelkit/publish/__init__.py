"""Publishing: tables, charts, fact boxes and the report."""
