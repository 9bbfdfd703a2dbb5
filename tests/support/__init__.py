"""What tests share: waiting for background work, and the outbox as a test sees it."""
