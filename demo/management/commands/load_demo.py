import time

from django.core.management.base import BaseCommand

from cases.models import CaseState
from demo.cases import DEFAULT_CASE_COUNT, cases_by_state, load_demo_cases
from demo.external import load_demo_external_system
from demo.legalaid import load_demo_legalaid
from demo.mediation import load_demo_mediation
from demo.patrols import load_demo_patrols
from demo.units import load_demo_units
from demo.users import DEMO_PASSWORD, load_demo_users
from grid.demo import load_demo_grids


class Command(BaseCommand):
    help = "Load the demo district, accounts and records (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases", type=int, default=DEFAULT_CASE_COUNT, help="how many demo cases to report on a fresh database"
        )

    def handle(self, *args, **options):
        load_demo_grids()
        logins = load_demo_users()
        units = load_demo_units()
        started = time.monotonic()
        created = load_demo_cases(count=options["cases"])
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        self.stdout.write(
            f"处置单位 / units: {units['district_units']} district + {units['community_units']} community,"
            f" {units['handlers']} handler accounts"
        )
        by_state = ", ".join(f"{CaseState(state).label} {n}" for state, n in cases_by_state().items())
        timing = f" (built in {time.monotonic() - started:.0f} s)" if created else ""
        self.stdout.write(f"案件 / cases{timing}: {by_state or '-'}")
        self.stdout.write(f"人民调解 / mediation: {load_demo_mediation()}")
        self.stdout.write(f"法律援助 / legal aid: {load_demo_legalaid()}")
        self.stdout.write(f"外部系统 / external system: {load_demo_external_system()}")
        self.stdout.write(load_demo_patrols())
        self.stdout.write(f"演示账号 / demo logins (password: {DEMO_PASSWORD}):")
        # Profiles on other roles, made by the mediation and legal-aid loaders.
        profiles = [("council", "乡贤议事会成员（居民 + 议事会档案）"), ("adviser", "社区法律顾问（律师 + 顾问档案）")]
        for username, label in [*logins, *profiles]:
            self.stdout.write(f"  {username:<12} {label}")
