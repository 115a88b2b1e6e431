from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "haven.encounters"
    label = "encounters"

    def ready(self) -> None:
        from haven.core import housekeeping  # noqa: PLC0415 (apps load before their modules)
        from haven.encounters import board_log  # noqa: PLC0415

        housekeeping.register("board change log compacted", board_log.compact)
