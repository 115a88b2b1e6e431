from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "haven.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        # Hand booking (encounters, below this package) keeps the planning day's locations for minors.
        from haven.encounters.services.interviews import use_minor_locations  # noqa: PLC0415
        from haven.scheduling.live import minor_locations_at  # noqa: PLC0415

        use_minor_locations(minor_locations_at)
