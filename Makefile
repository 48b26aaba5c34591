# The two commands a newcomer needs are in README.md: `make demo` and `make test`.
GO ?= go

.PHONY: setup setup-test demo test build

setup:
	@./scripts/setup.sh

# What the tests need on top: headless chromium and a Weaviate server.
setup-test:
	@./scripts/setup.sh --test

# The main job: the shipped AE and VAE compared on the built-in Fashion-MNIST
# images, written to latent-demo/index.html (replaced on each run).
demo: setup
	$(GO) run ./cmd/latent demo --force

# Every test, with vet and a formatting check.
test: setup-test
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags purego ./...
	$(GO) test ./...
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/latent

build: setup
	$(GO) build -o latent ./cmd/latent
