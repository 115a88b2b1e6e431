"""Haven's HTTP API (django-ninja, under `/api/v1/`): thin routers over the same services, selectors and
policies as the pages; domain errors mapped to stable codes in one place (`errors`)."""
