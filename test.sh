#!/usr/bin/env bash
# The whole test suite: vet, every test, and the race detector on the code
# with concurrency. Long fuzzing and soak runs stay behind flags.
# Integration tests use rsyslog, logger and PostgreSQL when present (see
# .ci/run, which installs and starts them).
set -euo pipefail
cd "$(dirname "$0")"
go vet ./...
go test -count=1 ./...
go test -count=1 -race ./internal/cli/... ./internal/hunt/... ./internal/input/... \
	./internal/pipeline/... ./internal/ingest/... ./internal/store/... ./internal/api/... ./internal/breach/...
go test -count=1 -race -short ./internal/app/...
go test -count=1 -race -run 'TestConcurrentMatchers' ./internal/detect/
go test -count=1 -race -run 'TestNameMemo' ./internal/winlog/
