"""Worker processes (``rtcc worker ingest|match|notify``): the consumers of the production profile, one role each."""
