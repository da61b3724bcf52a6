from django.core.management.base import BaseCommand

from demo.users import DEMO_PASSWORD, load_demo_users
from grid.demo import load_demo_grids


class Command(BaseCommand):
    help = "Load the demo district, accounts and records (idempotent)."

    def handle(self, *args, **options):
        load_demo_grids()
        logins = load_demo_users()
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        self.stdout.write(f"演示账号 / demo logins (password: {DEMO_PASSWORD}):")
        for username, label in logins:
            self.stdout.write(f"  {username:<12} {label}")
