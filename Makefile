# SPDX-License-Identifier: GPL-2.0
# xdp-reflector: `make` builds build/xdp-reflector; `make test` runs every suite;
# `make demo` shows it on a throwaway namespace pair; `make bench` measures it.
# V=1 shows the commands.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
SHAREDIR := $(PREFIX)/share/xdp-reflector
UNITDIR ?= $(PREFIX)/lib/systemd/system
# What `xdp-reflector --version` prints: debian/changelog's version (the
# package's), else `git describe`, else a default.
VERSION ?= $(or $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null),$(shell git describe --tags --always --dirty 2>/dev/null),0.0.0+unknown)

OUT := build
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= cc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

PKGS := libbpf libelf zlib yaml-0.1 libmnl libpcap
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -std=gnu11 -Iinclude -Iloader -Ibpf -I$(OUT) \
	  -DXR_SHAREDIR='"$(SHAREDIR)"' $(PKG_CFLAGS)
# v3: ALU32 and 32-bit jumps (kernel 5.1+): fewer zero-extension shifts and
# constants moved into registers for compares (bench/timing_paths.py: the
# guarded paths 7-11 instructions shorter, none longer).
BPF_CPU ?= v3
BPF_CFLAGS := -target bpf -mcpu=$(BPF_CPU) -O2 -g -Wall -Werror -D__TARGET_ARCH_$(ARCH) \
	      -Iinclude -Ibpf $(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))
DEPFLAGS = -MMD -MP

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

LOADER_SRCS := $(wildcard loader/*.c)
LOADER_OBJS := $(patsubst loader/%.c,$(OUT)/loader/%.o,$(LOADER_SRCS))
# The pure modules (no libbpf): everything but the entry, the datapath
# modules (libbpf, libmnl) and the command handlers. Unit tests link these natively.
PURE_OBJS := $(filter-out $(OUT)/loader/main.o $(OUT)/loader/datapath.o \
	       $(OUT)/loader/audit.o \
	       $(OUT)/loader/generation.o $(OUT)/loader/xdp_attach.o \
	       $(OUT)/loader/egress.o $(OUT)/loader/netlink.o \
	       $(OUT)/loader/capture.o $(OUT)/loader/pin_compat.o \
	       $(OUT)/loader/takeover.o \
	       $(OUT)/loader/cmd_%.o,$(LOADER_OBJS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
BPFTEST_SRCS := $(wildcard tests/bpf/*.c)
BPFTEST_BINS := $(patsubst tests/bpf/%.c,$(OUT)/tests/%,$(BPFTEST_SRCS))
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

BIN := $(OUT)/xdp-reflector

.DELETE_ON_ERROR:
# The BPF objects are inputs of tests and benchmarks too: keep them.
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all deps test test-stress unit run demo bench install uninstall clean format deb FORCE \
	fuzz fuzz-build fuzz-coverage

all: $(BIN) $(UNIT_BINS) $(BPFTEST_BINS) $(BENCH_BINS) fuzz-build

deps:
	$(Q)scripts/install-deps

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Every loader object may include a skeleton: generate them first.
$(OUT)/loader/%.o: loader/%.c $(SKELS) | $(OUT)/loader
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# Rewritten only when VERSION changes, so main.o rebuilds exactly then.
$(OUT)/version.h: FORCE | $(OUT)/loader
	$(Q)v='#define XR_VERSION "$(VERSION)"'; \
		[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" > $@
$(OUT)/loader/main.o: $(OUT)/version.h

$(BIN): $(LOADER_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(PURE_OBJS) | $(OUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $< $(PURE_OBJS) -lcmocka $(PKG_LIBS) -o $@

$(OUT)/tests/%: tests/bpf/%.c $(SKELS) $(PURE_OBJS) | $(OUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $< $(PURE_OBJS) -lcmocka $(PKG_LIBS) -o $@

$(OUT)/bench/%: bench/%.c $(SKELS) $(PURE_OBJS) | $(OUT)/bench
	$(call msg,BENCH,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $< $(PURE_OBJS) $(PKG_LIBS) -lm -o $@

$(OUT)/bpf $(OUT)/loader $(OUT)/tests $(OUT)/bench:
	$(Q)mkdir -p $@

# ---- Fuzzing (tests/fuzz/README.md) -----------------------------------------
# libFuzzer targets built with clang, ASan and UBSan: the packet parser
# (bpf/parse.h natively) and the profile loader (the pure loader objects,
# rebuilt with the sanitizers). `make test` runs them briefly on the
# committed corpus (tests/fuzz/run.sh); `make fuzz` runs each for
# FUZZ_SECONDS and fails on any finding; `make fuzz-coverage` reports what
# the corpus reaches (llvm-cov).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 180
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# No -Werror for the loader objects: gcc's build (CFLAGS) holds them to it, and
# a warning only clang gives must not break `make all`; the targets use it.
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -std=gnu11 -Wall -Wextra \
	-Iinclude -Iloader -Ibpf -Itests/fuzz -I$(OUT) \
	-DXR_SHAREDIR='"$(SHAREDIR)"' $(PKG_CFLAGS)
FUZZ_COV := -fprofile-instr-generate -fcoverage-mapping
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_COV_BINS := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz-cov/%,$(FUZZ_SRCS))
FUZZ_LOADER_SRCS := $(patsubst $(OUT)/loader/%.o,loader/%.c,$(PURE_OBJS))
FUZZ_LOADER_OBJS := $(patsubst loader/%.c,$(OUT)/fuzz/loader/%.o,$(FUZZ_LOADER_SRCS))
FUZZ_COV_LOADER_OBJS := $(patsubst loader/%.c,$(OUT)/fuzz-cov/loader/%.o,$(FUZZ_LOADER_SRCS))

fuzz-build: $(FUZZ_BINS) $(OUT)/tests/replay
.SECONDARY: $(FUZZ_LOADER_OBJS) $(FUZZ_COV_LOADER_OBJS)

$(OUT)/fuzz/loader/%.o: loader/%.c $(SKELS) | $(OUT)/fuzz/loader
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(DEPFLAGS) -c $< -o $@

$(OUT)/fuzz-cov/loader/%.o: loader/%.c $(SKELS) | $(OUT)/fuzz-cov/loader
	$(call msg,COV-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_COV) $(DEPFLAGS) -c $< -o $@

$(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LOADER_OBJS) | $(OUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror $(FUZZ_SAN) -fsanitize=fuzzer $(DEPFLAGS) \
		$< $(if $(filter fuzz_parse,$*),,$(FUZZ_LOADER_OBJS) $(PKG_LIBS)) -o $@

# Coverage builds: no sanitizers, libFuzzer only to drive the corpus once.
$(OUT)/fuzz-cov/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COV_LOADER_OBJS) | $(OUT)/fuzz-cov
	$(call msg,COV,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror $(FUZZ_COV) -fsanitize=fuzzer $(DEPFLAGS) \
		$< $(if $(filter fuzz_parse,$*),,$(FUZZ_COV_LOADER_OBJS) $(PKG_LIBS)) -o $@

# The differential replay: the packet corpus through BPF_PROG_TEST_RUN.
$(OUT)/tests/replay: tests/fuzz/replay.c $(SKELS) | $(OUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/fuzz $(DEPFLAGS) $< $(PKG_LIBS) -o $@

$(OUT)/fuzz $(OUT)/fuzz/loader $(OUT)/fuzz-cov $(OUT)/fuzz-cov/loader:
	$(Q)mkdir -p $@

fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/campaign.sh

fuzz-coverage: $(FUZZ_COV_BINS)
	$(Q)tests/fuzz/coverage.sh

# The README's two commands: each installs what it needs first (idempotent),
# then builds in a fresh make so pkg-config sees the installed libraries.
test:
	$(Q)scripts/install-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run-all.sh

# The same with every CPU kept busy by the runner (XR_STRESS=1).
test-stress:
	$(Q)scripts/install-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)XR_STRESS=1 tests/run-all.sh

# `make run` alone: the demo on a throwaway namespace pair;
# `make run IFACE=eth0 [PROFILE=reflector-caddy] [ARGS=...]`: load on IFACE.
PROFILE ?= reflector-caddy
run:
	$(Q)scripts/install-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(if $(IFACE),$(BIN) load $(IFACE) $(PROFILE) $(ARGS),$(BIN) demo)

unit: $(UNIT_BINS)
	$(Q)for t in $(UNIT_BINS); do $$t || exit 1; done

demo:
	$(Q)$(MAKE) --no-print-directory run IFACE=

bench:
	$(Q)scripts/install-deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run.sh

UNITS := $(wildcard scripts/systemd/*.service scripts/systemd/*.timer)

install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/xdp-reflector
	install -d $(DESTDIR)$(SHAREDIR)/profiles $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)/etc/xdp-reflector
	install -m 0644 policies/*.yaml $(DESTDIR)$(SHAREDIR)/profiles/
	install -m 0644 README.md $(DESTDIR)$(SHAREDIR)/README.md
	for u in $(UNITS); do \
		sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SHAREDIR@|$(SHAREDIR)|g' $$u \
			> $(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/xdp-reflector
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	rm -rf $(DESTDIR)$(SHAREDIR)

# The Debian package from a copy of the tracked tree (a clean checkout):
# build/deb/xdp-reflector_VERSION_ARCH.deb. debian/rules says how.
DEB_OUT := $(OUT)/deb
deb:
	$(Q)rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src
	$(Q)if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | \
			tar --null -T - --ignore-failed-read -cf - ; \
	else tar -cf - --exclude=./$(OUT) . ; fi | tar -xf - -C $(DEB_OUT)/src
	$(Q)cd $(DEB_OUT)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -b -us -uc $(DEB_FLAGS)
	$(Q)ls $(DEB_OUT)/*.deb

format:
	clang-format -i bpf/*.c bpf/*.h include/*.h loader/*.c loader/*.h tests/*/*.c bench/*.c

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/*/*.d $(OUT)/*/*/*.d)
