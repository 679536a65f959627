"""The `gongzhi` console script: the management commands under short names.

    gongzhi demo                 load the demo data (twice is harmless) and print the logins
    gongzhi seed --units N       generate a synthetic city by bulk insert
    gongzhi import FILE          import a ledger (.xlsx/.csv) of estates, buildings, units, owners
    gongzhi export ESTATE -o F   export an estate's ledger to Excel
    gongzhi <any manage.py command>
"""

import os
import sys

ALIASES = {"demo": "load_demo", "import": "import_ledger", "export": "export_ledger"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return
    argv[0] = ALIASES.get(argv[0], argv[0])
    from django.conf import settings
    from django.core.management import execute_from_command_line

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    execute_from_command_line(["gongzhi", *argv])


if __name__ == "__main__":
    main()
