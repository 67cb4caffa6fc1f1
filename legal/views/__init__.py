"""Public, read-only views. Every query starts from a model's ``.published()``."""
