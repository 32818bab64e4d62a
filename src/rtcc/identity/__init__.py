"""Users, roles, permissions, login sessions and sensor API keys. Deny by default: a route states its permission."""
