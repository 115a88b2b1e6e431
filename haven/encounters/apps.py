from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "haven.encounters"
    label = "encounters"
