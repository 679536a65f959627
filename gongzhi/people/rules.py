"""Who may do what with people's records: the one place each rule is written.

Granting roles, linking a login to a person, recording residency and party membership are
back-office acts of the place's administrators (core.rules.may_administer)."""

from gongzhi.core.rules import may_administer

ROLE_NEEDS_ADMIN = "只有该范围的管理员可以授予或撤销角色 / Only an administrator of this scope can grant roles"


def may_administer_people(actor, scope_ids: tuple[int | None, int | None]) -> bool:
    return may_administer(actor, *scope_ids)
