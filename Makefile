# The two commands a newcomer needs: `make run` and `make test`. Both install what is missing first.
.PHONY: run test setup e2e bench fmt scale-out

# Both install what is missing themselves (scripts/setup.sh), the longest installs alongside
# the first build.
run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/setup.sh

# Only the Playwright suite (after `cargo leptos build`).
e2e: setup
	scripts/e2e.sh

fmt: setup
	bash -c 'source scripts/env.sh && cargo fmt --all'

# Release build time, wasm size, storefront throughput; appends to BENCHMARKS.md.
bench: setup
	scripts/bench.sh

# Two app servers on a real `surreal` server (builds it first): the Rust suite and Playwright.
scale-out:
	scripts/scale-out.sh
