"""Settings of the API benchmark's server: the project's, plus the floor view's route."""

from gaoxin.settings import *  # noqa: F403

ROOT_URLCONF = "api_bench_urls"
