"""The HTTP layer shared by every router: request dependencies (deps) and request guards."""
