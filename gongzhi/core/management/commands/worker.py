"""gongzhi worker: run the queued tasks (django-tasks' database backend): every queue, no code reloading.
Start as many as the load needs, on any machine; a task is handed to one worker."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "运行队列中的任务 / Run the queued tasks"

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="处理完现有任务后退出 / exit when the queue is empty")

    def handle(self, *args, batch: bool, **options):
        call_command("db_worker", queue_name="*", reload=False, batch=batch, startup_delay=not batch,
                     verbosity=options["verbosity"])
