"""`python -m report_worker`: run the report worker on its own queue until SIGINT/SIGTERM."""

from rectify_shared.logs import configure_logging
from rectify_shared.private_files import restrict_new_files
from rectify_shared.settings import load_settings

from .priority import lower_priority
from .worker import build_worker


def main() -> None:
    restrict_new_files()
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    lower_priority(settings)  # renders are batch work: the API sharing this machine keeps its latency
    build_worker(settings).run()


if __name__ == "__main__":
    main()
