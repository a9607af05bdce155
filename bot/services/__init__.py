"""Business logic: plain async functions over a session and plain values; no Telegram types."""
