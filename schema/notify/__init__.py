"""GraphQL for notifications: the caller's bell, its unread count, marking read, preferences."""
