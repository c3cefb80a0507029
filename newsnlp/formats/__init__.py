"""Records as pages a person reads: the HTML page (Jinja2, autoescaped) and the stories view;
below the engine, which finalises a run into them, and `nlp report`, which reads a records file."""
