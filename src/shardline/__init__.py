"""shardline: a DynamoDB-compatible server whose centre is DynamoDB Streams."""

__version__ = "0.1.0"
__all__ = ["__version__"]
