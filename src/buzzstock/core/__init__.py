"""Settings, database, clock, ids, errors, events and auth: what every capability stands on."""
