# The two commands of the README:
#   make run   build a release binary and run the default experiment
#   make test  build with AddressSanitizer + UndefinedBehaviorSanitizer and run every test
# Both install missing Debian packages first (scripts/install-deps).

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RELEASE_DIR := build/release
TEST_DIR := build/asan
NVKV := $(RELEASE_DIR)/tools/nvkv

.PHONY: run test deps release asan format check-format clean

deps:
	@scripts/install-deps

release: deps
	@cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(RELEASE_DIR) -j $(JOBS)

# The default experiment: PinK vs AnyKey vs AnyKey+ on four workloads and the transfer-method
# table on W(M) (experiments/default.sh); results and plots under results/default/.
run: release
	@experiments/default.sh

asan: deps
	@cmake -S . -B $(TEST_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNVKV_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_DIR) -j $(JOBS)

test: asan
	cd $(TEST_DIR) && ctest --output-on-failure -j $(JOBS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build
