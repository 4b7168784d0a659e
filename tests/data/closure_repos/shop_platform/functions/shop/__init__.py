"""What every service shares: API responses, stream records to events."""
from .apigateway import iam_user_id, response
from .eventbridge import ddb_to_event

__all__ = ["ddb_to_event", "iam_user_id", "response"]
