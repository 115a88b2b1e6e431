from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "haven.exercises"
    label = "exercises"
