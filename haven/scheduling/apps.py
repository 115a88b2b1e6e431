from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "haven.scheduling"
    label = "scheduling"
