#!/usr/bin/env bash
# Measures what `stripe-client` adds to a clean build, against a baseline of the crates any Stripe
# integration needs anyway (reqwest, serde, tokio, rust_decimal, hmac). Same method as the issue's
# async-stripe figures: `cargo fetch` first, then clean debug and release builds, then the stripped
# release binary's size. Usage: bash stripe-client/buildtime/run.sh  (takes several minutes).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for variant in baseline with-stripe-client; do
  cp -r "$here/$variant" "$work/$variant"
done
sed -i "s|@STRIPE_CLIENT@|$here/..|" "$work/with-stripe-client/Cargo.toml"

measure() {
  local dir="$1" profile="$2"
  rm -rf "$dir/target"
  local start end
  start=$(date +%s.%N)
  if [ "$profile" = release ]; then
    cargo build --quiet --release --manifest-path "$dir/Cargo.toml"
  else
    cargo build --quiet --manifest-path "$dir/Cargo.toml"
  fi
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

printf '%-20s %10s %10s %12s\n' variant debug_s release_s stripped_MB
for variant in baseline with-stripe-client; do
  dir="$work/$variant"
  cargo fetch --quiet --manifest-path "$dir/Cargo.toml"
  debug=$(measure "$dir" debug)
  release=$(measure "$dir" release)
  bin="$dir/target/release/buildtime"
  strip "$bin"
  size=$(stat -c %s "$bin")
  printf '%-20s %10.1f %10.1f %12.1f\n' "$variant" "$debug" "$release" "$(echo "$size / 1000000" | bc -l)"
done
