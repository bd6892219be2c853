# nbdc - see README.md.  `make` builds ./nbdc; `make check` runs every test.
# Both install what they need on a fresh Debian machine (make deps).

CC_MUSL  ?= musl-gcc
CC_HOST  ?= gcc
CFLAGS   ?= -Oz
WARN     := -Wall -Wextra -Werror
CPPFLAGS += -D_GNU_SOURCE
# Size: no page of padding between code and read-only data
# (noseparate-code); no RELRO segment: musl's static start-up never makes
# it read-only (no dynamic linker), so it was padding alone; and the data
# right after the code in the file, never padded to a page boundary to
# save a page of memory (common-page-size; max-page-size is untouched, so
# the binary loads wherever it did).
LDFLAGS_STATIC := -static -s -Wl,--gc-sections -Wl,-z,noseparate-code \
		  -Wl,-z,norelro -Wl,-z,common-page-size=64
CFLAGS_SIZE := -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -flto=auto

# TLS=1 (default): BearSSL, built from Debian's source package into
# build/bearssl (or point BEARSSL_DIR at another build: include/ and lib/).
TLS ?= 1

# Embedded targets: `make ARCH=aarch64|armhf|riscv64` builds
# build/ARCH/nbdc (with TLS=0: build/ARCH/nbdc-notls) with Debian's cross
# compilers and musl (riscv64: musl built from Debian's source, as
# bookworm has no musl-dev:riscv64).  Only an ARCH given on the make
# command line counts: one in the environment (kernel and Yocto builds
# export it) leaves plain `make` alone.
ifeq ($(origin ARCH),command line)
XARCH := $(ARCH)
endif
XCC_aarch64 := aarch64-linux-musl-gcc
XCC_armhf   := arm-linux-musleabihf-gcc
XCC_riscv64 := $(CURDIR)/build/riscv64/musl/bin/musl-gcc
XAR_aarch64 := aarch64-linux-gnu-gcc-ar
XAR_armhf   := arm-linux-gnueabihf-gcc-ar
XAR_riscv64 := riscv64-linux-gnu-gcc-ar
ifneq ($(XARCH),)
ifeq ($(XCC_$(XARCH)),)
$(error ARCH=$(XARCH): expected aarch64, armhf or riscv64)
endif
CC_MUSL := $(XCC_$(XARCH))
BEARSSL_AR := $(XAR_$(XARCH))
BEARSSL_DIR := build/$(XARCH)/bearssl
NBDC_OUT := build/$(XARCH)/nbdc$(if $(filter 1,$(TLS)),,-notls)
XDEP := build/$(XARCH)/.toolchain
endif
BEARSSL_AR ?= gcc-ar
# Another output name (used by the TLS=0 test) with NBDC_OUT=path.
NBDC_OUT ?= nbdc
BEARSSL_DIR ?= build/bearssl
SRCS_CORE := nbdc.c boot_cmdline.c nbdtab.c servers.c uri.c nego.c net.c session.c attach.c \
             supervise.c protect.c kernel_ioctl.c kernel_netlink.c genl.c ktls.c status.c bootargs.c \
             text.c resolve.c fmt.c args.c dir.c device.c control.c
HDRS := nbd_proto.h uri.h nego.h net.h session.h attach.h supervise.h kernel.h genl.h ktls.h \
        status.h tls.h x509_der.h bootargs.h opts.h text.h resolve.h fmt.h args.h dir.h pump.h device.h tls_bearssl.h
ifeq ($(TLS),1)
SRCS := $(SRCS_CORE) tls_bearssl.c tls_verify.c tls_credentials.c tls_data.c \
        x509_der.c pump.c
TLS_CFLAGS := -I$(BEARSSL_DIR)/include
TLS_LIBS := $(BEARSSL_DIR)/lib/libbearssl.a
else
SRCS := $(SRCS_CORE) tls_none.c
endif

# Debian packages the build and the tests need.
DEPS_BUILD := musl-tools
DEPS_TEST  := nbdkit qemu-utils nbd-server qemu-system-x86 qemu-system-arm busybox-static debootstrap squashfs-tools \
              cpio python3 e2fsprogs openssl clang libclang-rt-14-dev cppcheck clang-tidy
STAMP := build/.deps

.PHONY: all deps check unit fuzz lint clean demo install bench release alloc

all: $(NBDC_OUT)

deps: $(STAMP)
$(STAMP):
	@sh tests/install-deps.sh $(DEPS_BUILD) $(DEPS_TEST)
	@mkdir -p build && touch $@

$(NBDC_OUT): $(SRCS) $(HDRS) $(TLS_LIBS) | $(STAMP) $(XDEP)
	@mkdir -p $(dir $@)
	$(CC_MUSL) $(CPPFLAGS) $(CFLAGS) $(CFLAGS_SIZE) $(WARN) $(TLS_CFLAGS) \
		$(LDFLAGS_STATIC) -o $@ $(SRCS) $(TLS_LIBS)

# The same binary, counting heap allocations (the pump must make none),
# with the test hooks (--dump-options) compiled in.
# (with ARCH: build/ARCH/nbdc-alloc, for the VM suites on that machine and
# the compat suite under qemu-user)
NBDC_ALLOC := $(if $(XARCH),build/$(XARCH)/nbdc-alloc,build/nbdc-alloc)
alloc: $(NBDC_ALLOC)
$(NBDC_ALLOC): $(SRCS) $(HDRS) $(TLS_LIBS) | $(STAMP) $(XDEP)
	$(CC_MUSL) $(CPPFLAGS) $(CFLAGS) $(WARN) $(TLS_CFLAGS) -DNBDC_COUNT_ALLOC -DNBDC_TEST_HOOKS \
		-static -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
		-o $@ $(SRCS) $(TLS_LIBS)

$(BEARSSL_DIR)/lib/libbearssl.a: mk/bearssl.sh | $(STAMP) $(XDEP)
	@CC_MUSL="$(CC_MUSL)" BEARSSL_OUT=$(BEARSSL_DIR) BEARSSL_AR=$(BEARSSL_AR) sh mk/bearssl.sh

# A cross toolchain, installed (and for riscv64, musl built) when needed.
build/%/.toolchain: mk/cross.sh
	@sh mk/cross.sh $*
	@mkdir -p $(dir $@) && touch $@

# make release: every architecture, with and without TLS, named
# nbdc-VERSION-ARCH[-notls], and SHA256SUMS (bare names) in build/release.
RELEASE_ARCHS := aarch64 armhf riscv64
release: nbdc
	@$(MAKE) -s TLS=0 NBDC_OUT=build/nbdc-notls build/nbdc-notls
	@for a in $(RELEASE_ARCHS); do $(MAKE) -s ARCH=$$a TLS=1 || exit 1; \
		$(MAKE) -s ARCH=$$a TLS=0 || exit 1; done
	@sh mk/release.sh $(RELEASE_ARCHS)
# (mk/bearssl.sh also rebuilds an archive made with other flags.)

build/test_nego: tests/test_nego.c nego.c nego.h nbd_proto.h text.c text.h fmt.c fmt.h | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(WARN) -I. -o $@ tests/test_nego.c nego.c text.c fmt.c

# Sanitizer builds (glibc is fine for these): unit tests and the whole
# client under AddressSanitizer + UndefinedBehaviorSanitizer.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
build/test_nego_asan: tests/test_nego.c nego.c nego.h nbd_proto.h text.c text.h fmt.c fmt.h | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -I. -o $@ tests/test_nego.c nego.c text.c fmt.c
build/nbdc-asan: $(SRCS_CORE) tls_none.c $(HDRS) | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -DNBDC_TEST_HOOKS -O1 -g $(SAN) $(WARN) -o $@ $(SRCS_CORE) tls_none.c

# The supervisor (supervise.c) and protect_signals (protect.c), with the
# kernel's calls stubbed by the test.
build/test_genl: tests/test_genl.c genl.c genl.h supervise.c supervise.h status.c text.c fmt.c tls_none.c protect.c | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -I. \
		-o $@ tests/test_genl.c genl.c supervise.c status.c text.c fmt.c tls_none.c protect.c

build/nbdbench: bench/nbdbench.c | $(STAMP)
	$(CC_MUSL) -O2 -static -s $(WARN) -o $@ bench/nbdbench.c

# Side by side with Debian's nbd-client in a VM; writes bench/results.md.
bench: nbdc build/nbdbench
	bash bench/run.sh

build/test_bootargs: tests/test_bootargs.c bootargs.c bootargs.h uri.c uri.h text.c fmt.c fmt.h | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -I. -o $@ tests/test_bootargs.c bootargs.c uri.c text.c fmt.c

build/test_uri: tests/test_uri.c uri.c uri.h text.c fmt.c | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -I. -o $@ tests/test_uri.c uri.c text.c fmt.c

build/test_resolve: tests/test_resolve.c resolve.c resolve.h status.c text.c fmt.c | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -I. -o $@ tests/test_resolve.c \
		resolve.c status.c text.c fmt.c

build/test_size: tests/test_size.c kernel.h ktls.h | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(WARN) -I. -o $@ tests/test_size.c

# The pump's thread (clone(), a thread descriptor of its own), built as
# nbdc is: musl, static (tests/cross.sh builds it for the other machines).
PUMP_TEST_SRCS := tests/test_pump.c pump.c status.c text.c fmt.c
build/test_pump: $(PUMP_TEST_SRCS) pump.h tls.h status.h | $(STAMP)
	$(CC_MUSL) $(CPPFLAGS) -O1 -g $(WARN) -I. -static -o $@ $(PUMP_TEST_SRCS)

build/test_x509: tests/test_x509.c x509_der.c x509_der.h text.c fmt.c fmt.h | $(STAMP)
	$(CC_HOST) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -I. -o $@ tests/test_x509.c x509_der.c text.c fmt.c

# Our PEM and DER decoders against BearSSL's (with BearSSL, so clang).
build/test_pem: tests/test_pem.c tests/pem_diff.h x509_der.c x509_der.h text.c $(TLS_LIBS) | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		$(WARN) -I. $(TLS_CFLAGS) -o $@ tests/test_pem.c x509_der.c text.c $(TLS_LIBS)

# libFuzzer: arbitrary server byte streams into the handshake engine.
FUZZ_SECONDS ?= 60
build/fuzz_nego: tests/fuzz/fuzz_nego.c nego.c nego.h nbd_proto.h text.c text.h fmt.c fmt.h | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(WARN) -I. -o $@ tests/fuzz/fuzz_nego.c nego.c text.c fmt.c
build/fuzz_x509: tests/fuzz/fuzz_x509.c x509_der.c x509_der.h text.c fmt.c fmt.h | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(WARN) -I. -o $@ tests/fuzz/fuzz_x509.c x509_der.c text.c fmt.c
build/fuzz_bootargs: tests/fuzz/fuzz_bootargs.c bootargs.c bootargs.h uri.c uri.h text.c fmt.c fmt.h | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(WARN) -I. -o $@ tests/fuzz/fuzz_bootargs.c bootargs.c uri.c text.c fmt.c
# The PEM loaders (trust anchors, chain, key), compiled with tls_bearssl.c.
TLS_PARTS := tls_bearssl.c tls_verify.c tls_credentials.c tls_data.c tls_bearssl.h
build/fuzz_pem: tests/fuzz/fuzz_pem.c $(TLS_PARTS) status.c text.c fmt.c x509_der.c ktls.c $(TLS_LIBS) | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(WARN) -I. $(TLS_CFLAGS) -o $@ \
		tests/fuzz/fuzz_pem.c tls_bearssl.c tls_verify.c tls_data.c status.c \
		text.c fmt.c x509_der.c ktls.c $(TLS_LIBS)
# What a server says after STARTTLS, through BearSSL with our profile.
build/fuzz_tls: tests/fuzz/fuzz_tls.c $(TLS_PARTS) status.c text.c fmt.c x509_der.c ktls.c $(TLS_LIBS) | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(WARN) -I. $(TLS_CFLAGS) -o $@ \
		tests/fuzz/fuzz_tls.c tls_verify.c tls_credentials.c tls_data.c status.c \
		text.c fmt.c x509_der.c ktls.c $(TLS_LIBS)
build/fuzz_dns: tests/fuzz/fuzz_dns.c resolve.c resolve.h status.c text.c fmt.c | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(WARN) -I. -o $@ tests/fuzz/fuzz_dns.c \
		resolve.c status.c text.c fmt.c
build/fuzz_der: tests/fuzz/fuzz_der.c tests/pem_diff.h x509_der.c x509_der.h text.c $(TLS_LIBS) | $(STAMP)
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(WARN) -I. $(TLS_CFLAGS) -o $@ \
		tests/fuzz/fuzz_der.c x509_der.c text.c $(TLS_LIBS)
FUZZERS := build/fuzz_nego build/fuzz_x509 build/fuzz_bootargs build/fuzz_pem \
	   build/fuzz_tls build/fuzz_dns build/fuzz_der
fuzz: $(FUZZERS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh

# Static analysis, configured by .clang-tidy and the flags below.
lint: | $(STAMP)
	@sh tests/lint.sh

ifneq ($(XARCH),)
# make check ARCH=...: that architecture's suites (tests/run-arch.sh).
check: | $(STAMP) $(XDEP)
	@bash tests/run-arch.sh $(XARCH)
else
check: nbdc build/nbdc-alloc build/test_genl build/test_nego build/test_nego_asan build/nbdc-asan build/test_x509 build/test_bootargs build/test_resolve build/test_pem build/test_size build/test_pump build/test_uri $(FUZZERS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/run-all.sh
endif

unit: build/test_nego
	./build/test_nego

# make demo: boot a VM from an NBD root (see README).  `make demo TLS=1`
# does it over TLS (TLS on the make command line picks the demo's transport;
# the binary always has TLS unless built with TLS=0).
DEMO_TLS := $(if $(filter command line,$(origin TLS)),$(TLS),0)
demo: nbdc
	@DEMO_TLS=$(DEMO_TLS) bash demo/demo.sh

# make install DESTDIR=...: the binary and the initramfs hooks.
PREFIX ?= /usr
install: nbdc
	install -D -m 755 nbdc $(DESTDIR)$(PREFIX)/sbin/nbdc
	install -D -m 755 contrib/initramfs-tools/hooks/nbdc \
		$(DESTDIR)/usr/share/initramfs-tools/hooks/nbdc
	install -D -m 755 contrib/initramfs-tools/scripts/local-top/nbdc \
		$(DESTDIR)/usr/share/initramfs-tools/scripts/local-top/nbdc
	install -D -m 755 contrib/common/ktls-modules $(DESTDIR)/usr/share/nbdc/ktls-modules
	install -D -m 755 contrib/common/nbdc-overlay $(DESTDIR)/usr/share/nbdc/nbdc-overlay
	install -D -m 755 contrib/initramfs-tools/scripts/local-bottom/nbdc \
		$(DESTDIR)/usr/share/initramfs-tools/scripts/local-bottom/nbdc
	for f in module-setup.sh parse-nbdc.sh nbdroot.sh nbdc-generator.sh \
		nbdc-shutdown.sh nbdc-overlay-hook.sh; do \
		install -D -m 755 contrib/dracut/95nbdc/$$f \
			$(DESTDIR)/usr/lib/dracut/modules.d/95nbdc/$$f || exit 1; done
	install -D -m 755 contrib/systemd/nbdc.shutdown \
		$(DESTDIR)/usr/lib/systemd/system-shutdown/nbdc.shutdown
	install -D -m 644 contrib/dracut/nbdc.conf \
		$(DESTDIR)/usr/lib/dracut/dracut.conf.d/50-nbdc.conf
	install -D -m 755 contrib/busybox/init $(DESTDIR)/usr/share/nbdc/busybox-init
	install -D -m 755 contrib/busybox/udhcpc.script $(DESTDIR)/usr/share/nbdc/udhcpc.script
	if [ "$(NBD_CLIENT_COMPAT)" = 1 ]; then \
		mkdir -p $(DESTDIR)/sbin && \
		ln -sf $(PREFIX)/sbin/nbdc $(DESTDIR)/sbin/nbd-client; fi

clean:
	rm -f nbdc
	rm -rf build/test_* build/vm
