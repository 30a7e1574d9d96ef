# Two commands for a newcomer: `make demo` and `make test`. Both install missing packages first.
BUILD ?= build/release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEMO_OUT ?= out/demo

.PHONY: deps configure build demo test bench accuracy format clean

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: configure
	@cmake --build $(BUILD) -j $(JOBS) --target her2scope
	@$(BUILD)/app/her2scope demo -o $(DEMO_OUT)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	@scripts/bench.sh $(BUILD)

accuracy: configure
	@cmake --build $(BUILD) -j $(JOBS) --target her2scope
	@$(BUILD)/app/her2scope accuracy all -o out/accuracy

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD)
