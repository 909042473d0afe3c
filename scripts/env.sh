# Sourced by the other scripts: where tools and build output live.
# Build output is kept outside the clone so CI and later builds reuse it.
CLOUDPING_CACHE="${CLOUDPING_CACHE:-$HOME/.cache/cloudping}"
export CLOUDPING_CACHE
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CLOUDPING_CACHE/target}"
export PATH="$CLOUDPING_CACHE/bin:$HOME/.cargo/bin:$CLOUDPING_CACHE/tools/node_modules/.bin:$CLOUDPING_CACHE/venv/bin:$PATH"
