"""The assembly: the one package that wires schema, server and tenants into the running service."""
