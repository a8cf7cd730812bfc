"""SCIM 2.0 provisioning: a school's identity provider creates, updates and removes its users and groups."""
