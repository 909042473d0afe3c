# CloudPing's two everyday commands (see README.md):
#   make demo   build everything, simulate 30 days, publish and serve at http://127.0.0.1:8080
#   make test   run every test
# Both install what they need first (scripts/setup.sh), idempotently.

.PHONY: demo test setup site clean

setup:
	@bash scripts/setup.sh

site: setup
	@bash scripts/build-site.sh

demo: site
	@. scripts/env.sh && cargo build --release --locked -p cloudping && \
	  "$$CARGO_TARGET_DIR/release/cloudping" demo --site dist --outages 0.25

test:
	@bash scripts/test.sh

clean:
	rm -rf dist var
