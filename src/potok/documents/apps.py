from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "potok.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from potok.access import registry
        from potok.documents.entities import resolve_document_entity

        # Document types are data: "document.<code>" is resolved when asked for, not registered up front.
        registry.register_resolver(resolve_document_entity)

        from potok.clients import MERGE_HOOKS
        from potok.documents.services.documents import move_documents_to_survivor

        if move_documents_to_survivor not in MERGE_HOOKS:
            MERGE_HOOKS.append(move_documents_to_survivor)
