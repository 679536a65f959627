from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gongzhi import seed as seeding


class Command(BaseCommand):
    help = "生成大规模合成数据（区…房屋、业主、党员、诉求）/ Generate a synthetic city by bulk insert"

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=10_000, help="房屋套数 / number of units")
        parser.add_argument("--requests", type=int, default=0,
                            help="近五年的诉求件数 / number of requests over the last five years")
        parser.add_argument("--seed", type=int, default=1, help="随机种子 / random seed")

    def handle(self, *args, units: int, requests: int, seed: int, **options):
        if units <= 0 or units > 50_000_000:
            raise CommandError("--units 应在 1 到 50,000,000 之间 / --units must be 1..50,000,000")
        if requests < 0 or requests > 200_000_000:
            raise CommandError("--requests 应在 0 到 200,000,000 之间 / --requests must be 0..200,000,000")
        with (tqdm(total=units, unit="套", desc="生成房屋 / units", disable=None) as bar,
              tqdm(total=requests, unit="件", desc="生成诉求 / requests", disable=None if requests else True) as bar2):
            result = seeding.seed(units, requests=requests, rng_seed=seed, progress=bar.update,
                                  request_progress=bar2.update)
        self.stdout.write(
            f"units={result.units} persons={result.persons} ownerships={result.ownerships} "
            f"party_members={result.party_members} estates={result.estates} buildings={result.buildings}\n"
            + (f"requests={result.requests} events={result.events} summonses={result.summonses}\n" if requests else "")
            + f"seconds={result.seconds:.2f} units_per_second={result.units_per_second:,.0f} "
            f"rows_per_second={result.rows / result.seconds:,.0f}"
            + (f"\nremoved_unfinished={result.removed_units}" if result.removed_units else "")
        )
