"""CLI command modules. Each area owns one module and registers on the shared groups."""
