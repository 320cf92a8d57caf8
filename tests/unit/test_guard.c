// SPDX-License-Identifier: GPL-2.0
/*
 * Native unit tests of bpf/guard.h (RFC 7983's first-byte demux): every
 * first byte against the RFC's table, STUN's cookie and 20-byte header,
 * and that no byte past END or data_end is read (the datagram ends at the
 * first byte of a PROT_NONE page: a read past it is a SIGSEGV).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "guard.h"

static __u8 *page_end; /* the first byte of a PROT_NONE page */

static int setup(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	__u8 *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)state;
	if (p == MAP_FAILED || mprotect(p + pg, pg, PROT_NONE))
		return -1;
	page_end = p + pg;
	return 0;
}

/* Place BYTES (N) so that they end at the guard page; judge them. */
static int judge(const __u8 *bytes, size_t n, __u32 plen)
{
	__u8 *p = page_end - n;

	memcpy(p, bytes, n);
	return xr_webrtc_ok(p, plen, page_end, page_end);
}

/* RFC 7983 section 7, written as its table. */
static int rfc7983(unsigned int b)
{
	return b <= 3 || (b >= 16 && b <= 19) || (b >= 20 && b <= 63) ||
	       (b >= 64 && b <= 79) || (b >= 128 && b <= 191);
}

static void every_first_byte_as_the_rfc_says(void **state)
{
	__u8 d[20] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42 };
	unsigned int b;

	(void)state;
	for (b = 0; b < 256; b++) {
		d[0] = (__u8)b;
		if (judge(d, sizeof(d), sizeof(d)) != rfc7983(b))
			fail_msg("first byte %u: %d, RFC 7983 says %d", b,
				 !rfc7983(b), rfc7983(b));
	}
}

static void stun_needs_the_cookie(void **state)
{
	__u8 d[20] = { 0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42 };
	int i;

	(void)state;
	assert_true(judge(d, sizeof(d), sizeof(d)));
	for (i = 4; i < 8; i++) {
		d[i] ^= 0x01;
		assert_false(judge(d, sizeof(d), sizeof(d)));
		d[i] ^= 0x01;
	}
}

static void stun_needs_20_bytes(void **state)
{
	__u8 d[20] = { 1, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42 };

	(void)state;
	assert_false(judge(d, 19, 19));
	assert_true(judge(d, 20, 20));
	/* Eight bytes here, the UDP length says 20: the cookie is here. */
	assert_true(judge(d, 8, 20));
	/* The cookie beyond END (a first fragment cut short): dropped. */
	assert_false(judge(d, 7, 20));
}

static void empty_and_cut_datagrams_are_dropped(void **state)
{
	__u8 d[1] = { 0x80 };

	(void)state;
	assert_false(judge(d, 0, 0));
	assert_false(judge(d, 0, 1)); /* the length says 1, nothing is here */
	assert_true(judge(d, 1, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_first_byte_as_the_rfc_says),
		cmocka_unit_test(stun_needs_the_cookie),
		cmocka_unit_test(stun_needs_20_bytes),
		cmocka_unit_test(empty_and_cut_datagrams_are_dropped),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
