/* Host names for fd.cip.name, fd.sip.name, fd.lip.name, fd.rip.name (fields_dns.c). */
#ifndef ENGINE_FIELDS_DNS_H
#define ENGINE_FIELDS_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A name a rule compares an fd.*ip.name field with (rule compilation). */
void fld_dns_note(const char *name);
/* Starts the background resolver (the engine's runtime; -V and -L never resolve). 0 or -1. */
int fld_dns_start(void);
/* Stops it and forgets every name. */
void fld_dns_stop(void);
/* 1 when addr (family 4 or 6) is one of the resolved addresses of name. The first comparison
 * starts the lookups; one with a name not yet resolved waits for it (bounded, fields_dns.c). */
int fld_dns_match(const char *name, size_t len, int family, const uint8_t *addr);
/* The first noted name that resolves to addr, into buf: 1, or 0 if none. */
int fld_dns_name_of(int family, const uint8_t *addr, char *buf, size_t cap);
/* How many of the noted names have had a first resolution. */
size_t fld_dns_resolved_count(void);

#endif
