/* adv_ring_write: what a workload that got hold of the event ring could write into it. It maps
 * the segment read-write by key with plain shmat and pokes the documented layout
 * (docs/internals/ring.md) directly, as an attacker would; it uses none of the ring library.
 *
 *   adv_ring_write KEY forge-end     set the end-of-stream flag, clear the producer's lock word
 *   adv_ring_write KEY corrupt       overwrite the first unread record's type with nonsense
 *   adv_ring_write KEY skip N        move the consumer's published position past N unread
 *                                    records (a writer that also raised the published consumed
 *                                    count could not be told from a consumer that read them:
 *                                    see docs/security.md, Ring)
 *   adv_ring_write KEY status        print head, tail, produced, dropped, consumed, done
 *   adv_ring_write KEY unread        print how many records the producer published that the
 *                                    consumer has not marked read (what the tests wait for)
 *
 * Exit 0 when the write was done, 1 when it could not be (no such ring, nothing unread). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#define OFF_PROD_LOCK 128
#define OFF_HEAD 264
#define OFF_PRODUCED 272
#define OFF_DROPPED 280
#define OFF_DONE 296
#define OFF_TAIL 320
#define OFF_CONSUMED 328
#define OFF_DATA_SIZE 72
#define OFF_DATA 4096

static uint64_t get64(const uint8_t *s, size_t off)
{
    uint64_t v;
    memcpy(&v, s + off, sizeof v);
    return v;
}

static void put32(uint8_t *s, size_t off, uint32_t v)
{
    memcpy(s + off, &v, sizeof v);
}

static void put64(uint8_t *s, size_t off, uint64_t v)
{
    memcpy(s + off, &v, sizeof v);
}

/* Length of the record at ring position pos, skipping a padding marker (type 0); 0 if none. */
static uint32_t record_at(const uint8_t *s, uint64_t size, uint64_t *pos, uint64_t head)
{
    for (int k = 0; k < 2 && *pos < head; k++) {
        uint32_t w[2];
        memcpy(w, s + OFF_DATA + (*pos & (size - 1)), sizeof w);
        if ((w[1] & 0xffff) != 0)
            return w[0];
        *pos += w[0]; /* padding to the end of the data area */
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: adv_ring_write KEY forge-end|corrupt|skip N|status|unread\n");
        return 2;
    }
    int id = shmget((key_t)strtoul(argv[1], NULL, 0), 0, 0);
    uint8_t *s = id < 0 ? (void *)-1 : shmat(id, NULL, 0);
    if (s == (void *)-1) {
        perror("adv_ring_write: shmget/shmat");
        return 1;
    }
    uint64_t size = get64(s, OFF_DATA_SIZE), head = get64(s, OFF_HEAD), tail = get64(s, OFF_TAIL);
    const char *what = argv[2];
    int rc = 0;
    if (!strcmp(what, "status")) {
        printf("head=%llu tail=%llu produced=%llu dropped=%llu consumed=%llu done=%u\n",
               (unsigned long long)head, (unsigned long long)tail,
               (unsigned long long)get64(s, OFF_PRODUCED),
               (unsigned long long)get64(s, OFF_DROPPED),
               (unsigned long long)get64(s, OFF_CONSUMED), (unsigned)(s[OFF_DONE]));
    } else if (!strcmp(what, "unread")) {
        uint64_t pos = tail;
        unsigned long n = 0;
        for (uint32_t len; pos < head && (len = record_at(s, size, &pos, head)) != 0; n++)
            pos += len;
        printf("%lu\n", n);
    } else if (!strcmp(what, "forge-end")) {
        put32(s, OFF_DONE, 1);
        put32(s, OFF_PROD_LOCK, 0);
    } else if (!strcmp(what, "corrupt")) {
        uint64_t pos = tail;
        if (record_at(s, size, &pos, head) == 0)
            rc = 1;
        else
            put32(s, OFF_DATA + (pos & (size - 1)) + 4, 0x7777); /* type, nparams */
    } else if (!strcmp(what, "skip") && argc > 3) {
        uint64_t pos = tail;
        long n = atol(argv[3]);
        for (long i = 0; i < n && rc == 0; i++) {
            uint32_t len = record_at(s, size, &pos, head);
            if (len == 0)
                rc = 1;
            pos += len;
        }
        if (rc == 0)
            put64(s, OFF_TAIL, pos);
    } else {
        fprintf(stderr, "adv_ring_write: unknown action %s\n", what);
        rc = 2;
    }
    shmdt(s);
    if (rc == 1)
        fprintf(stderr, "adv_ring_write: %s: nothing unread to act on\n", what);
    return rc;
}
