"""Periodic work of grid work, run by the scheduler (core.schedule, registered in apps.py)."""

from gongzhi.grid import services


def flag_missed_patrols() -> int:
    """Each night: periods of patrol plans that ended without a finished patrol are flagged (漏巡), once."""
    return services.missed_patrols_flag(None)
