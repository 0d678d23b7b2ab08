"""The HTTP layer: routes, typed dependencies, error answers and the OpenAPI description."""
