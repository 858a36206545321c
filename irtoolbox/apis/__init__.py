"""Package; members register themselves on import."""
