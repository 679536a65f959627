from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotesConfig(AppConfig):
    name = "gongzhi.votes"
    label = "votes"
    verbose_name = _("业主共同决定")

    def ready(self):
        # Imported here: the app registry must be ready before the app declares itself to the kernel.
        from django.conf import settings

        from gongzhi.core.clock import Term, Unit, register_term
        from gongzhi.core.registry import register_audit_actions
        from gongzhi.votes.choices import AuditAction

        register_term("votes.notice", _("表决公告期（公告至开始投票）"),
                      lambda: Term(settings.GONGZHI_VOTE_NOTICE_DAYS, Unit.DAYS))
        register_audit_actions(AuditAction)
