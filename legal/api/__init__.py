"""The read-only JSON API (``/api/``): every public record, its citations and its public history."""
