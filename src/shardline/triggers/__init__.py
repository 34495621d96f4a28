"""Triggers: Lambda-style event source mappings over DynamoDB streams (configuration, filters, runtime)."""
