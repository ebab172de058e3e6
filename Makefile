# Benchmarks (see BENCHMARKS.md); the tests are `scripts/test`.
.PHONY: bench bench-smoke

bench:
	scripts/install --test
	.venv/bin/python -m bench.report

bench-smoke:
	.venv/bin/python -m bench.report --smoke --out $${OUT:-/tmp/BENCHMARKS.smoke.md}
