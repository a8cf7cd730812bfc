"""The audit trail: every administrative change, who made it, when, where and through which credential."""
