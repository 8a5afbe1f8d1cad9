# sluice: security policy inline on LLM traffic.
#
#   make run     serve with the embedded default policy and audit store
#   make test    everything CI checks: formatting, vet, race-enabled tests
#   make bench   benchmarks (figures recorded in docs/PERFORMANCE.md)
#   make eval    detection quality on the public corpora (docs/DETECTION.md)
#   make train   retrain the injection/jailbreak classifier (deterministic)
#   make lint    static analysis (staticcheck)

GO        ?= go
BIN       := bin/sluice
PKGS      := ./...
STATICCHECK_VERSION := v0.8.2

.PHONY: all build run examples test fmt-check vet bench eval train lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/sluice

run: build
	./$(BIN) serve

# examples evaluates the bundled example requests under full enforcement,
# each sent to the path of its API (the file name says which).
examples: build
	@for f in examples/*.json; do \
		case $$f in \
		*anthropic*) p=/v1/messages ;; \
		*responses*) p=/v1/responses ;; \
		*gemini*) p=/v1beta/models/gemini-2.5-flash:generateContent ;; \
		*) p=/v1/chat/completions ;; \
		esac; \
		printf '%-44s ' "$$f"; \
		./$(BIN) eval --mode enforce --format summary --path $$p $$f; \
	done

test: fmt-check vet
	$(GO) test -race -count=1 $(PKGS)

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

eval:
	$(GO) run ./tools/evalcorpus

train:
	$(GO) run ./tools/train

lint: vet
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

clean:
	rm -rf bin
