#!/bin/bash
# XML benchmark: rvirt's DomainDef::parse+format vs libvirt's defineXML+XMLDesc (test driver,
# in-process, python3-libvirt) over the corpus domain inputs.
# Usage: bench/xml.sh [--seconds S] [--corpus DIR] [--verbose]   (BENCH_NO_BUILD=1 skips the build)
set -u
source "$(dirname "$0")/lib/common.sh"

build_release rvirt-bench || { echo "xml: building rvirt-bench failed" >&2; exit 1; }
run_child "$PY" "$BENCH_DIR/xml_bench.py" --rvirt-bench "${RVIRT_BENCH_BIN:-$RELEASE_DIR/rvirt-bench}" "$@"
