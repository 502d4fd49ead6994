# huey — one flat Makefile.
#   make            build bin/huey
#   make test       install deps, build, unit + end-to-end tests
#   make run        build, run the bundled example, print the summary
#   make bench      throughput table (tools/bench.sh)
#   make SANITIZE=1 test   the same under ASan + UBSan
#   make check-html the 3-D views (demo, a real run, a live view) rendered in headless Chromium (installs it)
#   make bench-cuda CPU vs CUDA windows/s and eigen timings (tools/bench-cuda.sh)
#   make CUDA=0     build without the CUDA backend even where nvcc exists
#   make fuzz       the libFuzzer harnesses (tests/fuzz) and their seed corpora;
#                   make fuzz FUZZ_S=N runs each harness N seconds
#
# Every target that builds first runs tools/install-deps.sh (idempotent).

# Open MPI's compiler wrapper (tools/install-deps.sh installs it before
# anything is compiled).
ifeq ($(origin CC),default)
CC      := mpicc
endif
OPT     ?= -O2
# Model code is exact double arithmetic: no contraction into FMA, no fast-math.
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -Wall -Wextra -Wshadow -ffp-contract=off -fno-fast-math -MMD -MP -pthread
# Parallel HDF5 (Debian's Open MPI build); include and library paths are
# fixed by the package, so no pkg-config call is needed before it exists.
HDF5_INC := /usr/include/hdf5/openmpi
HDF5_LIB := /usr/lib/$(shell gcc -print-multiarch)/hdf5/openmpi
CPPFLAGS += -Isrc -I$(HDF5_INC)
LDLIBS  += -L$(HDF5_LIB) -Wl,-rpath,$(HDF5_LIB) -lhdf5 -lutf8proc -lpcre2-8 -lcrypto
# LAPACK: OpenBLAS's (eigen.c forces it to one thread); ScaLAPACK (Debian's
# Open MPI build) for distributed eigen-decompositions; make SCALAPACK=0
# builds without it (huey galileo --eigen scalapack then refuses).
SCALAPACK ?= 1
ifeq ($(SCALAPACK),1)
CPPFLAGS += -DHAVE_SCALAPACK
LDLIBS  += -lscalapack-openmpi
endif
LDLIBS  += -lopenblas -lm -pthread

BUILD   := build
SANFLAGS :=
ifeq ($(SANITIZE),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
CFLAGS  += $(SANFLAGS)
LDFLAGS += -fsanitize=address,undefined
endif

# CUDA: /usr/local/cuda/bin/nvcc, else nvcc on PATH. With it, cuda/*.cu
# (every CUDA, cuBLAS, cuSOLVER and NCCL call of huey) is built into the
# binary for sm_80 and sm_90; without it cuda/stub.c stands in and
# `backend = cuda` says the binary has no CUDA. The binary runs on machines
# without a GPU or driver either way (it falls back to the CPU backend).
CUDA    ?= 1
NVCC    ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) $(shell command -v nvcc 2>/dev/null))
ifeq ($(CUDA),0)
NVCC    :=
endif
ifneq ($(NVCC),)
CUDA_HOME := $(patsubst %/bin/nvcc,%,$(NVCC))
CUDA_LIB  := $(firstword $(wildcard $(CUDA_HOME)/lib64) $(CUDA_HOME)/lib)
CUDA_ARCH ?= 80 90
# -fmad=false: the device arithmetic is the CPU's (no contraction into FMA).
NVCCFLAGS := -O2 -g -std=c++17 -fmad=false -Isrc -Icuda -DHUEY_CUDA_LIBDIR='"$(CUDA_LIB)"' $(foreach a,$(CUDA_ARCH),-gencode arch=compute_$(a),code=sm_$(a)) \
             -Xcompiler -Wall,-Wextra,-Wshadow,-ffp-contract=off -MMD -MP
CUDA_SRC  := $(wildcard cuda/*.cu)
CUDA_OBJ  := $(patsubst cuda/%.cu,$(BUILD)/cuda/%.o,$(CUDA_SRC))
# cuSOLVER (with cuBLAS; cuda/eigen_cuda.cu) and NCCL (cuda/nccl.cu) are
# opened on first use: linked, they would cost every huey process 0.1 s and
# ~500 MB at start-up.
LDLIBS    += -L$(CUDA_LIB) -Wl,-rpath,$(CUDA_LIB) -lcudart -ldl -lstdc++
$(info huey: CUDA backend: $(NVCC) ($(shell $(NVCC) --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')), sm_$(subst $() ,+sm_,$(CUDA_ARCH)))
else
CUDA_OBJ  := $(BUILD)/cuda/stub.o
$(info huey: CUDA backend: none ($(if $(filter 0,$(CUDA)),CUDA=0,no nvcc found)); building CPU-only with cuda/stub.c)
endif
CPPFLAGS += -Icuda
# The CUDA objects depend on what built them, so that switching between
# CUDA and CPU-only builds (CUDA=0, nvcc installed or removed) relinks.
CUDA_STAMP := $(BUILD)/cuda/.mode
CUDA_MODE  := $(if $(NVCC),$(NVCC) $(CUDA_ARCH),none)
$(shell mkdir -p $(BUILD)/cuda; [ "$$(cat $(CUDA_STAMP) 2>/dev/null)" = "$(CUDA_MODE)" ] || echo "$(CUDA_MODE)" > $(CUDA_STAMP))

# Which huey this is (src/version.h): git describe of this checkout,
# compiled into version.o alone, which a stamp rebuilds when it changes.
HUEY_VERSION := $(shell [ -e .git ] && git describe --always --dirty 2>/dev/null || echo unknown)
VERSION_STAMP := $(BUILD)/.version
$(shell [ "$$(cat $(VERSION_STAMP) 2>/dev/null)" = "$(HUEY_VERSION)" ] || echo "$(HUEY_VERSION)" > $(VERSION_STAMP))
$(BUILD)/version.o: CPPFLAGS += -DHUEY_VERSION='"$(HUEY_VERSION)"'

SRC      := $(wildcard src/*.c)
SRC_OBJ  := $(patsubst src/%.c,$(BUILD)/%.o,$(filter-out src/huey.c,$(SRC)))
LIB_OBJ  := $(SRC_OBJ) $(CUDA_OBJ)

# The CUDA backend's code run on the host, thread after thread
# (cuda/cuda_emu.h): build/huey-emu checks its logic against the CPU
# backend where there is no GPU (tests/cuda.sh), the NCCL all-gather (its
# ncclAllGather an MPI one there) and the Galileo matrix kernels of
# eigen_cuda.cu (its cuSOLVER call is LAPACK there). Needs no nvcc.
EMU_OBJ  := $(BUILD)/emu/backend_cuda.o $(BUILD)/emu/eigen_cuda.o $(BUILD)/emu/nccl.o $(BUILD)/emu/probe.o
EMU_BIN  := $(BUILD)/huey-emu
MAIN_OBJ := $(BUILD)/huey.o
BIN      := bin/huey
ifeq ($(SANITIZE),1)
BIN      := bin/huey-san
endif

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_OBJ := $(patsubst tests/unit/%.c,$(BUILD)/tests/%.o,$(UNIT_SRC)) $(BUILD)/tests/unit_main.o
UNIT_BIN := $(BUILD)/unit-tests
CMP_BIN  := $(BUILD)/json-compare
FLOOR_BIN := $(BUILD)/bench-floor

DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps test unit e2e mpi checkpoint offline batch align galileo clusters live cuda bench-cuda slurm-test check-html run bench clean fuzz fuzz-regress fault
all: $(BIN)

$(BUILD)/version.o: $(VERSION_STAMP)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/install-deps.sh
	@sh tools/install-deps.sh
	@mkdir -p $(BUILD) && touch $@

$(BIN): $(LIB_OBJ) $(MAIN_OBJ) | $(DEPS_STAMP)
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/cuda/%.o: cuda/%.cu $(CUDA_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c -o $@ $<

$(BUILD)/emu/%.o: cuda/%.cu cuda/cuda_emu.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) -x c++ -std=c++17 -DHUEY_CUDA_EMU $(OPT) -g -Wall -Wextra -Wshadow -Wno-unused-function -ffp-contract=off $(SANFLAGS) -Isrc -Icuda -I$(HDF5_INC) -c -o $@ $<

$(EMU_BIN): $(SRC_OBJ) $(EMU_OBJ) $(MAIN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lstdc++

$(BUILD)/cuda/stub.o: cuda/stub.c $(CUDA_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Unit tests: each tests/unit/test_NAME.c defines register_NAME(); the list
# of suites is generated so that adding a file is all it takes.
$(BUILD)/tests/suites.h: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@for f in $(notdir $(basename $(UNIT_SRC))); do echo "SUITE($${f#test_})"; done > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/unit_main.o: tests/unit/unit_main.c $(BUILD)/tests/suites.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(BUILD)/tests $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -c -o $@ $<

$(UNIT_BIN): $(UNIT_OBJ) $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcunit

$(CMP_BIN): tests/json_compare.c $(BUILD)/util.o | $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(filter %.c %.o,$^) $(LDFLAGS) -ljansson -lm

unit: $(UNIT_BIN)
	$(UNIT_BIN)

e2e: $(BIN) $(CMP_BIN) $(FLOOR_BIN)
	sh tests/json_compare_selftest.sh $(CMP_BIN)
	HUEY=$(BIN) CMP=$(CMP_BIN) FLOOR=$(FLOOR_BIN) sh tests/e2e.sh

GEN_BIN  := $(BUILD)/gencorpus
$(GEN_BIN): tools/gencorpus.c | $(DEPS_STAMP)
	$(CC) -std=c11 -O2 -Wall -Wextra -o $@ $< -lm

# The floor under the step's row work (make bench, section 9); e2e runs it once.
$(FLOOR_BIN): tools/bench_floor.c | $(DEPS_STAMP)
	$(CC) -std=c11 -O2 -Wall -Wextra -Wshadow -ffp-contract=off -o $@ $<

# One network over P ranks equals one rank (QUICK subset under sanitizers).
mpi: $(BIN) $(GEN_BIN)
	HUEY=$(BIN) GEN=$(GEN_BIN) QUICK=$(SANITIZE) ASAN_OPTIONS=detect_leaks=0 sh tests/mpi.sh

# Checkpoints resume exactly and fail safely.
checkpoint: $(BIN)
	HUEY=$(BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/checkpoint.sh

# Offline queries, report and reference-json export against the reference's values.
offline: $(BIN)
	HUEY=$(BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/offline.sh

# One network per conversation (--batch), resumable, over ranks.
batch: $(BIN) $(GEN_BIN)
	HUEY=$(BIN) GEN=$(GEN_BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/batch.sh

# huey align on space files: the reference's and hand-made ones.
align: $(BIN)
	HUEY=$(BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/align.sh

# Galileo spaces (huey galileo, run --galileo) against the expected outputs.
galileo: $(BIN) $(CMP_BIN)
	HUEY=$(BIN) CMP=$(CMP_BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/galileo.sh

# huey run --follow / --live: a conversation learnt while it is written.
live: $(BIN)
	HUEY=$(BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/live.sh

# huey clusters: dendrograms of the torgerson concepts, frequency tables.
clusters: $(BIN)
	HUEY=$(BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/clusters.sh

SELFTEST_BIN := $(BUILD)/cuda-selftest
$(SELFTEST_BIN): tests/cuda_selftest.c $(LIB_OBJ) | $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS)

BENCH_EIGEN := $(BUILD)/bench-eigen
$(BENCH_EIGEN): tools/bench_eigen.c $(LIB_OBJ) | $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS)

# CPU vs CUDA table (tools/bench-cuda.sh; a GPU machine gives figures, others "not measured").
bench-cuda: $(BIN) $(GEN_BIN) $(BENCH_EIGEN)
	HUEY=$(BIN) GEN=$(GEN_BIN) BENCH_EIGEN=$(BENCH_EIGEN) sh tools/bench-cuda.sh

# Backend selection; the CUDA backend against the CPU one (SKIPPED without a device).
cuda: $(BIN) $(CMP_BIN) $(GEN_BIN) $(EMU_BIN) $(SELFTEST_BIN)
	HUEY=$(BIN) CMP=$(CMP_BIN) GEN=$(GEN_BIN) EMU=$(EMU_BIN) SELFTEST=$(SELFTEST_BIN) ASAN_OPTIONS=detect_leaks=0:protect_shadow_gap=0 sh tests/cuda.sh

test: unit e2e mpi checkpoint offline batch align galileo clusters live cuda fuzz-regress fault

# Fuzzing (tests/fuzz; README.md "Fuzzing and fault tests"): one libFuzzer
# harness per parser, built by clang with ASan + UBSan over the library
# objects compiled again (instrumented) in build/fuzz. MPI is linked, never
# initialised (a plain process). One build serves make test and
# make SANITIZE=1 test alike.
FUZZ_NAMES := detect text params json ckpt ckptedit batchlist
FUZZ_DIR   := build/fuzz
FUZZ_CC    := clang
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Wshadow -ffp-contract=off $(FUZZ_SAN)
MPI_CFLAGS  = $(shell mpicc -showme:compile)
MPI_LIBS    = $(shell mpicc -showme:link)
FUZZ_OBJ   := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(filter-out src/huey.c,$(SRC))) $(FUZZ_DIR)/obj/stub.o
FUZZ_BINS  := $(patsubst %,$(FUZZ_DIR)/fuzz-%,$(FUZZ_NAMES))

$(FUZZ_DIR)/obj/%.o: src/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(MPI_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/obj/stub.o: cuda/stub.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/obj/fuzz_common.o: tests/fuzz/fuzz_common.c tests/fuzz/fuzz.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(MPI_CFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz-%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_DIR)/obj/fuzz_common.o $(FUZZ_OBJ)
	$(FUZZ_CC) $(CPPFLAGS) $(MPI_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $(filter %.c %.o,$^) \
	    $(LDLIBS) $(MPI_LIBS)

# Seed corpora (build/fuzz/seeds/NAME): the bundled example, the project's
# own test inputs and configs, and checkpoints and space files made by huey.
$(FUZZ_DIR)/.seeds: tests/fuzz/seeds.sh $(BIN) $(GEN_BIN) $(wildcard tests/fuzz/regress/*/*)
	HUEY=$(BIN) GEN=$(GEN_BIN) sh tests/fuzz/seeds.sh $(FUZZ_DIR)/seeds && touch $@

# The checkpoint fuzz-ckptedit edits (tests/fuzz/ckptedit.c).
$(FUZZ_DIR)/base.h5: $(BIN) tests/data/example_conversation.txt
	@mkdir -p $(FUZZ_DIR)
	head -12 tests/data/example_conversation.txt > $(FUZZ_DIR)/base.txt
	$(BIN) run $(FUZZ_DIR)/base.txt --progress-interval 0 --checkpoint $@ 2>/dev/null

FUZZ_S ?=
fuzz: $(FUZZ_BINS) $(FUZZ_DIR)/.seeds $(FUZZ_DIR)/base.h5
	$(if $(FUZZ_S),sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_S) $(FUZZ_NAMES))

# Every input a harness ever crashed on (tests/fuzz/regress/NAME), replayed.
fuzz-regress: $(FUZZ_BINS) $(FUZZ_DIR)/base.h5
	sh tests/fuzz/replay.sh $(FUZZ_DIR) $(FUZZ_NAMES)

# Faults: kill -9 during checkpoint writes, a full disk, a rank killed.
fault: $(BIN) $(GEN_BIN)
	HUEY=$(BIN) GEN=$(GEN_BIN) ASAN_OPTIONS=detect_leaks=0 sh tests/fault.sh

# The job scripts on a real one-node SLURM (root only; SKIPPED otherwise).
slurm-test: $(BIN) $(GEN_BIN)
	HUEY=$(BIN) GEN=$(GEN_BIN) sh tests/slurm.sh

# Every picture of plot.h for a made-up space; check-html renders its
# space.html, that of a checkpoint learnt by huey and a live view (--live)
# in headless Chromium and checks that no screenshot is blank and that the
# live view takes the rotation in its URL.
DEMO_BIN := $(BUILD)/demo-plots
$(DEMO_BIN): tests/demo_plots.c $(LIB_OBJ) | $(DEPS_STAMP)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.c %.o,$^) $(LDLIBS)

check-html: $(DEMO_BIN) $(BIN)
	@sh tools/install-deps.sh chromium
	sh tools/check-html.sh $(DEMO_BIN) $(BIN)

run: $(BIN)
	@mkdir -p out
	$(BIN) run tests/data/example_conversation.txt --json out/example.json

bench: $(BIN) $(FLOOR_BIN)
	HUEY=$(BIN) FLOOR=$(FLOOR_BIN) sh tools/bench.sh

clean:
	rm -rf build bin out

-include $(wildcard $(BUILD)/*.d $(BUILD)/tests/*.d $(BUILD)/cuda/*.d $(FUZZ_DIR)/obj/*.d)
