# otsensor — see README.md.
GO        ?= go
BIN       := bin/otsensor
DEMO_DIR  := data/demo
FUZZTIME  ?= 60s
BENCHTIME ?= 3x

.PHONY: all build demo test fuzz bench lint clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/otsensor

# The main job on embedded defaults: replay the bundled captures into a
# fresh local data dir, then show what the sensor learnt.
demo: build
	rm -rf $(DEMO_DIR)
	$(BIN) --data-dir $(DEMO_DIR) replay --events $(DEMO_DIR)/events.json pcaps/
	@echo
	$(BIN) --data-dir $(DEMO_DIR) devices
	@echo
	$(BIN) --data-dir $(DEMO_DIR) links
	@echo
	$(BIN) --data-dir $(DEMO_DIR) alerts
	@echo
	@echo "events: $(DEMO_DIR)/events.json   more: $(BIN) --data-dir $(DEMO_DIR) devices -o wide | devices show ID | alerts show ID"

test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# Every fuzz target, FUZZTIME each (see .ci/fuzz).
fuzz:
	FUZZTIME=$(FUZZTIME) .ci/fuzz

# Hot-path benchmarks; the pipeline ones run on one core, as the targets
# are stated (see README "Performance").
bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -cpu 1 ./sensor/
	$(GO) test -run '^$$' -bench . -benchmem ./sensor/decode/ ./sensor/capture/ ./dissectors/... ./pcaps/synth/

lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...

clean:
	rm -rf bin data
