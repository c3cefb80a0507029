"""What each command does around the computing: a run's files, lock, journal, progress and
description (`nlp run`, local or on Ray), `nlp read`, `nlp watch`, `nlp report` and `nlp stories`'
listing. The computing itself is `newsnlp.engine`."""
