"""Run the reports worker: recompute opinion groups and campaigns as votes and comments arrive."""

import signal
import threading

from django.core.management.base import BaseCommand

from reports.worker import Worker


class Command(BaseCommand):
    help = "Recompute opinion groups and form-letter campaigns as votes and comments arrive (Ctrl-C stops)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Compute what is due now, then stop.")

    def handle(self, *args, once=False, **options):
        worker = Worker()
        if once:
            for kind, page_id in worker.run_once():
                self.stdout.write(f"{kind}: page {page_id}")
            return
        self.stdout.write("Reports worker running (Ctrl-C stops).")
        stop = threading.Event()
        # SIGTERM (systemd, docker) stops it like Ctrl-C: the round in progress finishes and
        # releases its page lock, instead of leaving the lock to expire.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            worker.run_forever(stop)
        except KeyboardInterrupt:
            pass
        self.stdout.write("Stopped.")
