"""The project's REST API as the code describes it (OpenAPI from Powertools resolvers)."""
