"""Use cases. Each public function owns its transaction; adapters call only these."""
