"""Reading and writing tables: every input format, encoding detection, atomic chunked writers."""
