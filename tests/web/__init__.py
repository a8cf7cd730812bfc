"""The web console's own tests (Vitest) and its end-to-end story in a real browser (Playwright)."""
