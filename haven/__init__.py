"""Haven: victim-centered enforcement actions for human trafficking task forces."""
