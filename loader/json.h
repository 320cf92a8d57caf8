/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for --json output (iproute2's manner: stable
 * keys, numbers as numbers). KEY is NULL inside arrays and at the top.
 */
#ifndef XR_JSON_H
#define XR_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define XR_JSON_DEPTH 16

struct json {
	FILE *f;
	int depth;
	bool first[XR_JSON_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_object_start(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_start(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *v);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_double(struct json *j, const char *key, double v);
void json_bool(struct json *j, const char *key, bool v);
/* End the document with a newline. */
void json_finish(struct json *j);

#endif /* XR_JSON_H */
