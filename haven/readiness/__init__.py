"""The readiness rule pack (data) and the pure checks of a plan against it."""
