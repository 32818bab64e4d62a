"""ALPR: cameras, plate reads and their ingest adapters (REST, OpenALPR webhook, MQTT/Frigate, files), dead letters."""
