"""DynamoDB's data model: AttributeValues, numbers, item sizes, comparison and key encoding; pure code."""
