# gatehouse build, test and demo entry points. `make test` is what CI runs.
GO        ?= go
STATICCHECK_VERSION ?= v0.7.0
BIN       := bin
PKGS      := ./...

.PHONY: all build test test-short check fmt vet staticcheck tidy demo setup bench clean

all: build

## build: the binaries, statically linked (nothing in gatehouse needs cgo; a static binary starts faster).
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/...

## setup: install what the tests need (scripts/setup.sh test; the demo runs
## scripts/setup.sh demo, which installs less).
setup:
	@bash scripts/setup.sh test >/dev/null

## test: set up the machine (once) and run every test with the race detector,
## with the python3 and AWS CLI that setup chose.
test:
	tools=$$(bash scripts/setup.sh test) && eval "$$tools" && $(GO) test -race -count=1 -timeout 45m $(PKGS)

## test-short: unit tests only, no emulator.
test-short:
	$(GO) test -short -count=1 $(PKGS)

## check: what to run before a commit.
check: fmt vet staticcheck tidy test

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	GOFLAGS= $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

tidy:
	$(GO) mod tidy -diff

## demo: the sandbox demo (declare, apply, log in, use an account, audit).
demo: build
	bash scripts/demo.sh

clean:
	rm -rf $(BIN)
