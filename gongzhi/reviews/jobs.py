"""Periodic work of holding service to account: 红黑榜 entries past their period leave the board."""

from gongzhi.reviews import services


def expire_listings() -> int:
    return services.entries_expire()
