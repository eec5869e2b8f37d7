"""`python -m report_worker`: run the report worker on its own queue until SIGINT/SIGTERM."""

import os

from rectify_shared.logs import configure_logging
from rectify_shared.settings import load_settings

from .worker import build_worker


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    if settings.report_worker_nice:
        # renders are batch work: the API sharing this machine keeps its latency (bench/: p99 while a
        # report renders)
        os.nice(settings.report_worker_nice)
    build_worker(settings).run()


if __name__ == "__main__":
    main()
