class InvalidRequest(Exception):
    """The request body is not an order."""
