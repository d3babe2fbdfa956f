"""How the service speaks HTTP: the Powertools resolver, errors as answers, the OpenAPI answers and the pages."""
