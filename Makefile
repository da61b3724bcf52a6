# The two commands of the README. Both start from scripts/setup.sh, which installs
# whatever a fresh machine lacks and is quick when nothing is missing.
.PHONY: demo test setup lint format

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/python manage.py load_demo
	bash scripts/run_demo.sh

test: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/pytest -n 2

lint:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .
