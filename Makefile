# Tartan build.
#   make              build every program into $(OUT)/bin (default OUT=build)
#   make asan         the same with AddressSanitizer + UBSan into build-asan/
#   make fuzz         libFuzzer targets (clang) into build-fuzz/
#   make test         install deps, build all variants (arm64 too), run the whole suite
#   make bench        benchmarks (figures, not pass/fail)
#   make bench-arm64  the same for the arm64 build, in the arm64 test VM (relative figures only)
#   make mutate       mutation testing of the rule engine, tracer, ring and logshipper sources
#   make release      binaries images tartan-binaries[-arm64]:$(VERSION), build/release/*.tar.gz + SHA256SUMS
#   make install PREFIX=/vendor/falco DESTDIR=...
#   make ARCH=arm64   cross-build everything for linux/arm64 into build-arm64/ (docs/arm64.md):
#                     musl for launcher/waitforever, static glibc for the rest, engine and
#                     logshipper against a minimal static libcurl built for the target
#   make macro        the CloudFormation macro's Lambda packages (Docker): build/instrument-macro*.zip
#
# Layout rules, so that adding a file never needs a Makefile edit:
#   lib/*.c                      -> libtartan.a, linked into every program
#   lib/aws/*.c                  -> also in libtartan.a, glibc builds only (libcurl, OpenSSL,
#                                   jansson): HTTP, SigV4, the AWS credential chain, endpoints
#   <program>/*.c                -> $(OUT)/bin/<program>
#   tests/unit/test_<prog>_*.c   -> unit test linked with <program>'s objects (minus main.o)
#   tests/unit/test_lib_*.c      -> unit test linked with libtartan.a only
#   tests/fuzz/fuzz_<prog>_*.c   -> libFuzzer target, same linking rule (prog may be "lib")

# Target architecture, Debian's names: amd64 or arm64 (x86_64 and aarch64 are accepted too).
HOST_ARCH := $(shell uname -m | sed 's/^x86_64$$/amd64/; s/^aarch64$$/arm64/')
ARCH     ?= $(HOST_ARCH)
override ARCH := $(patsubst x86_64,amd64,$(patsubst aarch64,arm64,$(ARCH)))
ifeq ($(filter amd64 arm64,$(ARCH)),)
  $(error ARCH=$(ARCH): Tartan builds for amd64 or arm64)
endif
GNU_TRIPLE_amd64 := x86_64-linux-gnu
GNU_TRIPLE_arm64 := aarch64-linux-gnu
GNU_TRIPLE := $(GNU_TRIPLE_$(ARCH))
ifeq ($(ARCH),$(HOST_ARCH))
  CROSS    :=
  OUT      ?= build
else
  # Cross build: Debian's cross gcc, musl-dev:ARCH's wrapper, every program and test static.
  CROSS    := 1
  OUT      ?= build-$(ARCH)
  ifeq ($(origin CC),default)
    CC := $(GNU_TRIPLE)-gcc
  endif
  MUSL_CC  ?= $(GNU_TRIPLE:-gnu=-musl)-gcc
  AR       := $(GNU_TRIPLE)-ar
  STATIC   ?= 1
endif
SAN      ?= 0
FUZZ     ?= 0
CC       ?= cc
MUSL_CC  ?= musl-gcc
AR       ?= ar
# STATIC=1: engine and logshipper (and the unit tests and helpers) linked fully static against
# the minimal libcurl in CURL_PREFIX (docker/build-curl.sh), as in the binaries image.
STATIC   ?= 0
CURL_PREFIX ?= $(OUT)/curl
PREFIX   ?= /vendor/falco
DESTDIR  ?=

PROGRAMS    := launcher waitforever tracer engine logshipper instrument
# Fully static with musl: run in an image with no libc at all.
MUSL_STATIC := launcher waitforever
# Fully static with glibc (no NSS or dlopen use).
GLIBC_STATIC := tracer

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CSTD     := -std=c11 -D_GNU_SOURCE
# One version for every program: VERSION -> $(OUT)/gen/tt_version.h (TT_VERSION).
VERSION  := $(shell tr -d ' \n' <VERSION)
GEN      := $(OUT)/gen
VERSION_H := $(GEN)/tt_version.h
INC      := -Ilib -Ilib/aws -I$(GEN)
OPT      ?= -O2 -g
CFLAGS_ALL = $(CSTD) $(WARN) $(INC) $(OPT) -MMD -MP -fno-strict-aliasing $(HARDEN_CFLAGS) $(FORTIFY) \
             $(EXTRA_CFLAGS)
LDFLAGS_ALL = $(HARDEN_LDFLAGS) $(EXTRA_LDFLAGS)

# Hardening (docs/security.md, "Build hardening"; tests/integration/build_hardening.sh checks the
# result from the ELF). HARDEN=0 builds without it, for the size/speed comparison in make bench.
#   stack protector, stack-clash probes, control-flow protection (CET endbr64 on amd64, PAC/BTI on
#   arm64), position-independent code; full RELRO with immediate binding, non-executable stack;
#   every program a PIE: -pie when dynamic, -static-pie when static (glibc and musl alike).
#   _FORTIFY_SOURCE=3 except under the sanitizers (ASan checks every access itself, and its
#   interceptors are bypassed by glibc's __*_chk variants); musl has no fortified headers.
HARDEN   ?= 1
ifeq ($(HARDEN),1)
  HARDEN_CF_amd64 := -fcf-protection
  HARDEN_CF_arm64 := -mbranch-protection=standard
  HARDEN_CFLAGS  := -fstack-protector-strong -fstack-clash-protection $(HARDEN_CF_$(ARCH)) -fPIE
  FORTIFY        := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
  HARDEN_LDFLAGS := -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack
  PIE_DYNAMIC    := -pie
  PIE_STATIC     := -static-pie
else
  HARDEN_CFLAGS  :=
  FORTIFY        :=
  HARDEN_LDFLAGS :=
  PIE_DYNAMIC    :=
  PIE_STATIC     := -static
endif

ifeq ($(SAN),1)
  OPT := -O1 -g
  FORTIFY :=
  CFLAGS_ALL += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  LDFLAGS_ALL += -fsanitize=address,undefined
  MUSL_STATIC :=
  GLIBC_STATIC :=
endif
ifeq ($(FUZZ),1)
  CC := clang
  OPT := -O1 -g
  FORTIFY :=
  CFLAGS_ALL += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  LDFLAGS_ALL += -fsanitize=address,undefined
  MUSL_STATIC :=
  GLIBC_STATIC :=
endif

LIBS_launcher    :=
LIBS_waitforever :=
LIBS_tracer      :=
LIBS_engine      := -lyaml -ljansson -lcurl -lssl -lcrypto -lm
LIBS_logshipper  := -lcurl -lssl -lcrypto -ljansson -lm
LIBS_instrument  := -lyaml -lcurl -lssl -lcrypto -ljansson -lm
LIBS_lib         :=
ifeq ($(STATIC),1)
  CURL_LIB := $(CURL_PREFIX)/lib/libcurl.a
  INC += -I$(CURL_PREFIX)/include
  LDFLAGS_ALL += -L$(CURL_PREFIX)/lib
  GLIBC_STATIC += engine logshipper instrument
  LIBS_engine += -lssl -lcrypto -lz -lpthread -ldl
  LIBS_logshipper += -lz -lpthread -ldl
  LIBS_instrument += -lz -lpthread -ldl
  # (TT_STATIC_LINK: tests/unit/tt_heap.h cannot replace malloc where libc.a defines it)
  STATIC_EXTRA := -static -DTT_STATIC_LINK=1
endif
# musl static PIE: musl-gcc's specs drop -static-pie, so the link names musl's self-relocating
# start file (rcrt1.o) itself; the musl library directory is the one the wrapper's specs use.
MUSL_CRT ?= $(shell sed -n 's|.*-specs "\(.*\)/musl-gcc.specs".*|\1|p' "$$(command -v $(MUSL_CC))" 2>/dev/null)
ifeq ($(HARDEN),1)
  MUSL_LINK = -static -nostartfiles -Wl,-pie,--no-dynamic-linker,-z,text $(HARDEN_LDFLAGS) \
              $(MUSL_CRT)/rcrt1.o $(MUSL_CRT)/crti.o $(shell $(MUSL_CC) -print-file-name=crtbeginS.o)
  MUSL_LINK_END = $(shell $(MUSL_CC) -print-file-name=crtendS.o) $(MUSL_CRT)/crtn.o
else
  MUSL_LINK = -static
  MUSL_LINK_END =
endif

LIB_SRCS := $(sort $(wildcard lib/*.c) $(wildcard lib/aws/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)
LIB_A    := $(OUT)/obj/libtartan.a
# The musl programs (launcher, waitforever) need none of lib/aws.
MUSL_LIB_SRCS := $(sort $(wildcard lib/*.c))
MUSL_LIB_OBJS := $(MUSL_LIB_SRCS:%.c=$(OUT)/musl/%.o)
MUSL_LIB_A    := $(OUT)/musl/libtartan.a

BINS := $(PROGRAMS:%=$(OUT)/bin/%)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(OUT)/fuzz/%)

.PHONY: all asan fuzz test test-only deps bench bench-bins bench-arm64 install clean format demo docker-demo macro mutate release
all: $(BINS) $(UNIT_BINS) helpers

# Small test helper programs in tests/helpers/*.c (one file each), built like unit tests, and
# the adversarial suite's programs in tests/adversarial/*.c (what a hostile workload tries),
# built next to them.
HELPER_SRCS := $(filter-out %_aarch32.c,$(sort $(wildcard tests/helpers/*.c)))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(OUT)/helpers/%)
ADV_SRCS := $(filter-out %_aarch32.c,$(sort $(wildcard tests/adversarial/*.c)))
ADV_BINS := $(ADV_SRCS:tests/adversarial/%.c=$(OUT)/helpers/%)
# Programs named *_aarch32.c are 32-bit arm (AArch32) executables, static, for arm64's compat
# ABI: built for ARCH=arm64 when AARCH32_CC (Debian's gcc-arm-linux-gnueabihf) is installed;
# the tests that run them skip with that reason otherwise.
AARCH32_CC ?= arm-linux-gnueabihf-gcc
AARCH32_SRCS := $(sort $(wildcard tests/adversarial/*_aarch32.c))
ifeq ($(ARCH)$(FUZZ)$(SAN),arm6400)
  ifneq ($(shell command -v $(AARCH32_CC) 2>/dev/null),)
    AARCH32_BINS := $(AARCH32_SRCS:tests/adversarial/%.c=$(OUT)/helpers/%)
  endif
endif
helpers: $(HELPER_BINS) $(ADV_BINS) $(AARCH32_BINS)
$(OUT)/helpers/%_aarch32: tests/adversarial/%_aarch32.c | $(OUT)/helpers
	$(AARCH32_CC) $(CSTD) -Wall -Wextra -Werror -O1 -static -o $@ $<
$(OUT)/helpers/%: tests/helpers/%.c | $(OUT)/helpers
	$(CC) $(CSTD) -Wall -Wextra -Werror -Wno-unused-parameter -O1 -g -MMD -MP -pthread -o $@ $< $(EXTRA_LDFLAGS) $(STATIC_EXTRA)
$(OUT)/helpers/%: tests/adversarial/%.c | $(OUT)/helpers
	$(CC) $(CSTD) -Wall -Wextra -Werror -Wno-unused-parameter -O1 -g -MMD -MP -pthread -o $@ $< $(EXTRA_LDFLAGS) $(STATIC_EXTRA)
# (adversarial programs named *_musl.c: static with musl, whose threads never use clone3)
$(OUT)/helpers/%_musl: tests/adversarial/%_musl.c | $(OUT)/helpers
	$(MUSL_CC) $(CSTD) -Wall -Wextra -Werror -O1 -static -o $@ $<
# (helpers named *_static.c are linked statically: no dynamic loader before main)
$(OUT)/helpers/%_static: tests/helpers/%_static.c | $(OUT)/helpers
	$(CC) $(CSTD) -Wall -Wextra -Werror -Wno-unused-parameter -O1 -g -MMD -MP -static -o $@ $<

# Regenerated when VERSION changes; the compiler's dependency files then rebuild what includes it.
$(VERSION_H): VERSION
	@mkdir -p $(dir $@)
	@printf '/* Generated from VERSION by the Makefile: do not edit. */\n#define TT_VERSION "%s"\n' \
	    "$$(tr -d ' \n' <VERSION)" >$@.tmp && mv $@.tmp $@

$(OUT)/obj/%.o: %.c | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(OUT)/musl/%.o: %.c | $(VERSION_H)
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(CSTD) $(WARN) $(INC) -Os -MMD -MP $(HARDEN_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(MUSL_LIB_A): $(MUSL_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(OUT)/helpers $(OUT)/bin $(OUT)/tests $(OUT)/fuzz:
	mkdir -p $@

# One link rule per program, picking the musl / static / dynamic flavour.
define PROGRAM_template
$(1)_SRCS := $$(sort $$(wildcard $(1)/*.c))
$(1)_OBJS := $$($(1)_SRCS:%.c=$(OUT)/obj/%.o)
$(1)_MUSL_OBJS := $$($(1)_SRCS:%.c=$(OUT)/musl/%.o)
$(1)_LIBOBJS := $$(filter-out $(OUT)/obj/$(1)/main.o,$$($(1)_OBJS))
ifneq ($(filter $(1),$(MUSL_STATIC)),)
$(OUT)/bin/$(1): $$($(1)_MUSL_OBJS) $(MUSL_LIB_A) | $(OUT)/bin
	$(MUSL_CC) -Os -Wl,--strip-debug -o $$@ $(MUSL_LINK) $$^ $(LIBS_$(1)) $(MUSL_LINK_END)
else ifneq ($(filter $(1),$(GLIBC_STATIC)),)
$(OUT)/bin/$(1): $$($(1)_OBJS) $(LIB_A) | $(OUT)/bin
	$(CC) $(PIE_STATIC) $(LDFLAGS_ALL) -o $$@ $$^ $(LIBS_$(1))
else
$(OUT)/bin/$(1): $$($(1)_OBJS) $(LIB_A) | $(OUT)/bin
	$(CC) $(PIE_DYNAMIC) $(LDFLAGS_ALL) -o $$@ $$^ $(LIBS_$(1))
endif
endef
$(foreach p,$(PROGRAMS),$(eval $(call PROGRAM_template,$(p))))

ifeq ($(STATIC),1)
# The minimal static libcurl for the target (its headers too), built once into CURL_PREFIX.
$(CURL_LIB):
	CURL_HOST=$(GNU_TRIPLE) sh docker/build-curl.sh $(abspath $(CURL_PREFIX))
$(engine_OBJS) $(logshipper_OBJS) $(instrument_OBJS) $(filter $(OUT)/obj/lib/aws/%,$(LIB_OBJS)): | $(CURL_LIB)
endif

# Unit tests and fuzz targets: the program is the word after test_/fuzz_.
prog_of = $(firstword $(subst _, ,$(patsubst $(1)_%,%,$(2))))
define UNIT_template
$(OUT)/tests/$(1): tests/unit/$(1).c $$(if $$(filter lib,$(2)),,$$($(2)_LIBOBJS)) $(LIB_A) | $(OUT)/tests $(VERSION_H)
	$(CC) $(CFLAGS_ALL) -Itests/unit -I$(2) $(LDFLAGS_ALL) $(STATIC_EXTRA) -o $$@ $$(filter %.c %.o %.a,$$^) $(LIBS_$(2)) -lpthread
endef
$(foreach t,$(UNIT_SRCS:tests/unit/%.c=%),$(eval $(call UNIT_template,$(t),$(call prog_of,test,$(t)))))
ifeq ($(STATIC),1)
$(UNIT_BINS): | $(CURL_LIB)
endif

define FUZZ_template
$(OUT)/fuzz/$(1): tests/fuzz/$(1).c $$(if $$(filter lib,$(2)),,$$($(2)_LIBOBJS)) $(LIB_A) | $(OUT)/fuzz $(VERSION_H)
	$(CC) $(CFLAGS_ALL) -I$(2) -fsanitize=fuzzer $(LDFLAGS_ALL) -o $$@ $$(filter %.c %.o %.a,$$^) $(LIBS_$(2))
endef
ifeq ($(FUZZ),1)
$(foreach t,$(FUZZ_SRCS:tests/fuzz/%.c=%),$(eval $(call FUZZ_template,$(t),$(call prog_of,fuzz,$(t)))))
fuzz-targets: $(FUZZ_BINS)
endif

asan:
	$(MAKE) OUT=build-asan SAN=1 all

fuzz:
	$(MAKE) OUT=build-fuzz FUZZ=1 fuzz-targets

deps:
	sh tests/install-deps.sh

# The README's test command. Installs what it needs, builds every variant, runs everything.
test: deps
	$(MAKE) all
	$(MAKE) asan
	$(MAKE) fuzz
	$(MAKE) ARCH=arm64 all
	bash tests/run.sh

# Run the suite against what is already built (no install, no rebuild).
test-only:
	bash tests/run.sh

# The benchmark programs linked with the programs' objects (bench/*.c), built like the unit
# tests (a cross build links them static), so that bench/*.sh needs no compiler where it runs.
BENCH_BINS := $(OUT)/bench/engine_throughput $(OUT)/bench/ring_bench
bench-bins: $(BENCH_BINS)
$(OUT)/bench:
	mkdir -p $@
$(OUT)/bench/engine_throughput: bench/engine_throughput.c $(engine_LIBOBJS) $(LIB_A) | $(OUT)/bench
	$(CC) $(CFLAGS_ALL) -Iengine $(LDFLAGS_ALL) -o $@ $< $(engine_LIBOBJS) $(LIB_A) $(LIBS_engine) -lpthread
$(OUT)/bench/ring_bench: bench/ring_bench.c $(LIB_A) | $(OUT)/bench
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB_A) -lpthread
ifeq ($(STATIC),1)
$(BENCH_BINS): | $(CURL_LIB)
endif

bench: all bench-bins
	bash bench/run.sh

# make bench on arm64: the cross build's programs and benchmark programs, run by bench/run.sh
# in the arm64 test VM (docs/arm64.md). Under emulation only the ratios within one run mean
# anything (traced vs native, one output vs another), not the absolute figures.
bench-arm64:
	$(MAKE) ARCH=arm64 all bench-bins
	bash tests/arm64/vm.sh prepare
	bash tests/arm64/vm.sh run build-arm64/vm-bench \
	    'TT_OUT=$$PWD/build-arm64 TT_BIN=$$PWD/build-arm64/bin TT_HELPERS=$$PWD/build-arm64/helpers bash bench/run.sh'; \
	    rc=$$?; cat build-arm64/vm-bench/stdout; exit $$rc

# Mutation testing (tests/mutate/mutate.py): MUTATE_ARGS="--files engine/cond_vm.c" narrows it.
# Resumable: results are kept in build-mutate/; the report goes to build-mutate/report.md.
MUTATE_PER_FILE ?= 150
MUTATE_JOBS ?= 2
mutate: all
	$(MAKE) asan
	python3 tests/mutate/mutate.py --per-file $(MUTATE_PER_FILE) --jobs $(MUTATE_JOBS) $(MUTATE_ARGS)

demo: deps all
	bash tests/demo.sh

docker-demo: all
	bash tests/e2e/docker-demo.sh

# The CloudFormation macro's Lambda packages: instrument linked static (Dockerfile.instrument),
# named bootstrap, zipped executable: $(OUT)/instrument-macro.zip (x86_64) and
# $(OUT)/instrument-macro-arm64.zip. Needs Docker.
MACRO_IMAGE ?= tartan-instrument-macro
MACRO_ZIP = python3 -c 'import sys, zipfile; i = zipfile.ZipInfo("bootstrap", (2026, 1, 1, 0, 0, 0)); \
	    i.external_attr = 0o100755 << 16; i.compress_type = zipfile.ZIP_DEFLATED; \
	    zipfile.ZipFile(sys.argv[1], "w").writestr(i, open(sys.argv[2], "rb").read())'
macro:
	docker build --network host -t $(MACRO_IMAGE) -f Dockerfile.instrument .
	docker build --network host -t $(MACRO_IMAGE)-arm64 --target macro-arm64 -f Dockerfile.instrument .
	mkdir -p $(OUT)
	for a in "" -arm64; do \
	    id=$$(docker create $(MACRO_IMAGE)$$a) || exit 1; \
	    docker cp "$$id:/bootstrap" $(OUT)/bootstrap$$a; rc=$$?; docker rm "$$id" >/dev/null; \
	    [ $$rc = 0 ] || exit $$rc; \
	    $(MACRO_ZIP) $(OUT)/instrument-macro$$a.zip $(OUT)/bootstrap$$a || exit 1; \
	done

# The images build from source: nothing here needs to be built first.
release:
	sh docker/release.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/etc
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	if [ -d etc ]; then cp -R etc/. $(DESTDIR)$(PREFIX)/etc/; fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz build-arm64 build-amd64 build-noharden

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
