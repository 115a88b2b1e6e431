from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "haven.core"
    label = "core"

    def ready(self) -> None:
        # Before any database connection opens (issue 12): the embedded data directory 0700, its files 0600.
        from haven.core.datadir import make_embedded_storage_private  # noqa: PLC0415 - needs settings

        make_embedded_storage_private()

        from django.db.backends.signals import connection_created  # noqa: PLC0415

        from haven.core.postgres_times import use_compiled_loader  # noqa: PLC0415

        connection_created.connect(use_compiled_loader, dispatch_uid="haven.core.postgres_times")
