"""Live updates over WebSocket: the subscriptions and the types they yield."""
