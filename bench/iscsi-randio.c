/*
 * iscsi-randio: 4 KiB-aligned random READ(16) or WRITE(16) at a fixed queue depth for a fixed time against one
 * iSCSI LUN, through libiscsi's asynchronous API (the initiator library iscsi-perf uses). iscsi-perf only reads,
 * and qemu-img bench only steps sequentially, so bench/iscsi-perf.sh builds this for its write rows and for
 * latency figures. It prints one line: "<iops> <MiB/s> <p50 us> <p99 us> <ios> <errors>".
 *
 * Usage: iscsi-randio PORTAL TARGET-IQN LUN SIZE-BYTES read|write QD SECONDS [BLOCK-SIZE]
 *   e.g. iscsi-randio 127.0.1.91:3261 iqn.2010-06.org.cairn:vmdisk-<uuid> 0 1073741824 write 32 20
 *
 * Debian ships libiscsi7 without its headers (libiscsi-dev), so the few entry points used here are declared below;
 * they are libiscsi's stable public API (iscsi.h, scsi-lowlevel.h). Build: gcc -O2 -o iscsi-randio iscsi-randio.c
 * /usr/lib/x86_64-linux-gnu/libiscsi.so.7
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct iscsi_context;
struct scsi_task;
typedef void (*iscsi_command_cb)(struct iscsi_context *iscsi, int status, void *command_data, void *private_data);
struct iscsi_context *iscsi_create_context(const char *initiator_name);
int iscsi_destroy_context(struct iscsi_context *iscsi);
int iscsi_set_targetname(struct iscsi_context *iscsi, const char *targetname);
int iscsi_set_session_type(struct iscsi_context *iscsi, int session_type);   /* 2 = ISCSI_SESSION_NORMAL */
int iscsi_set_header_digest(struct iscsi_context *iscsi, int header_digest); /* 0 = ISCSI_HEADER_DIGEST_NONE */
int iscsi_full_connect_sync(struct iscsi_context *iscsi, const char *portal, int lun);
int iscsi_logout_sync(struct iscsi_context *iscsi);
int iscsi_get_fd(struct iscsi_context *iscsi);
int iscsi_which_events(struct iscsi_context *iscsi);
int iscsi_service(struct iscsi_context *iscsi, int revents);
const char *iscsi_get_error(struct iscsi_context *iscsi);
struct scsi_task *iscsi_read16_task(struct iscsi_context *iscsi, int lun, uint64_t lba, uint32_t datalen, int blocksize,
        int rdprotect, int dpo, int fua, int fua_nv, int group_number, iscsi_command_cb cb, void *private_data);
struct scsi_task *iscsi_write16_task(struct iscsi_context *iscsi, int lun, uint64_t lba, unsigned char *data, uint32_t datalen,
        int blocksize, int wrprotect, int dpo, int fua, int fua_nv, int group_number, iscsi_command_cb cb, void *private_data);
void scsi_free_scsi_task(struct scsi_task *task);

#define IO_BYTES 4096
#define STALL_NS 60000000000ULL /* commands outstanding this long after the run's end: the target stalled */
#define HIST_US 1000000 /* latency histogram in microseconds, up to 1 s (longer ones land in the last bucket) */

static struct iscsi_context *ctx;
static int lun, writing, block_size = 512;
static uint64_t slots; /* number of 4 KiB slots on the LUN */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned char buf[IO_BYTES];
static uint32_t *hist;
static uint64_t done, errors, end_ns;
static int in_flight, stopping;

struct req { uint64_t start_ns; };

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000ULL + (uint64_t) t.tv_nsec;
}

static uint64_t next_random(void) { /* xorshift64* */
    rng ^= rng >> 12; rng ^= rng << 25; rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static void completed(struct iscsi_context *iscsi, int status, void *task, void *private_data);

static int submit(struct req *r) {
    uint64_t lba = (next_random() % slots) * (IO_BYTES / block_size);
    struct scsi_task *t;
    r->start_ns = now_ns();
    t = writing ? iscsi_write16_task(ctx, lun, lba, buf, IO_BYTES, block_size, 0, 0, 0, 0, 0, completed, r)
                : iscsi_read16_task(ctx, lun, lba, IO_BYTES, block_size, 0, 0, 0, 0, 0, completed, r);
    if (t == NULL) {
        fprintf(stderr, "iscsi-randio: could not queue a %s at LBA %llu: %s\n", writing ? "WRITE(16)" : "READ(16)",
                (unsigned long long) lba, iscsi_get_error(ctx));
        return -1;
    }
    in_flight++;
    return 0;
}

static void completed(struct iscsi_context *iscsi, int status, void *task, void *private_data) {
    struct req *r = private_data;
    uint64_t t = now_ns(), us = (t - r->start_ns) / 1000;
    (void) iscsi;
    in_flight--;
    if (status != 0) { /* SCSI_STATUS_GOOD */
        if (errors++ == 0) {
            fprintf(stderr, "iscsi-randio: a command failed with status %d: %s\n", status, iscsi_get_error(ctx));
        }
    } else {
        done++;
        hist[us < HIST_US ? us : HIST_US - 1]++;
    }
    scsi_free_scsi_task(task);
    if (!stopping && t < end_ns && errors == 0 && submit(r) != 0) {
        stopping = 1;
    }
}

static uint64_t percentile(double p) {
    uint64_t want = (uint64_t) (p * (double) done), seen = 0;
    for (uint64_t i = 0; i < HIST_US; i++) {
        seen += hist[i];
        if (seen > want) {
            return i;
        }
    }
    return HIST_US;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: iscsi-randio PORTAL TARGET-IQN LUN SIZE-BYTES read|write QD SECONDS [BLOCK-SIZE]\n");
        return 2;
    }
    const char *portal = argv[1], *target = argv[2];
    lun = atoi(argv[3]);
    uint64_t size = strtoull(argv[4], NULL, 10);
    writing = strcmp(argv[5], "write") == 0;
    int qd = atoi(argv[6]);
    double secs = atof(argv[7]);
    if (argc > 8) block_size = atoi(argv[8]);
    slots = size / IO_BYTES;
    if (slots == 0 || qd < 1 || secs <= 0 || block_size < 512 || IO_BYTES % block_size != 0) {
        fprintf(stderr, "iscsi-randio: need a LUN of at least 4 KiB, QD >= 1, SECONDS > 0 and a block size dividing 4096\n");
        return 2;
    }
    for (int i = 0; i < IO_BYTES; i++) buf[i] = (unsigned char) (0x5a ^ i); /* not all zeros: no zero short-cuts */
    hist = calloc(HIST_US, sizeof *hist);
    struct req *reqs = calloc((size_t) qd, sizeof *reqs);
    ctx = iscsi_create_context("iqn.2026-12.org.cairn:bench-randio");
    if (ctx == NULL || hist == NULL || reqs == NULL) {
        fprintf(stderr, "iscsi-randio: out of memory\n");
        return 1;
    }
    iscsi_set_session_type(ctx, 2);
    iscsi_set_header_digest(ctx, 0);
    iscsi_set_targetname(ctx, target);
    if (iscsi_full_connect_sync(ctx, portal, lun) != 0) {
        fprintf(stderr, "iscsi-randio: login to %s %s LUN %d failed: %s\n", portal, target, lun, iscsi_get_error(ctx));
        return 1;
    }
    uint64_t start = now_ns();
    end_ns = start + (uint64_t) (secs * 1e9);
    for (int i = 0; i < qd; i++) {
        if (submit(&reqs[i]) != 0) return 1;
    }
    while (in_flight > 0) {
        struct pollfd pfd = { .fd = iscsi_get_fd(ctx), .events = (short) iscsi_which_events(ctx) };
        if (now_ns() > end_ns + STALL_NS) {
            fprintf(stderr, "iscsi-randio: %d commands still outstanding %d s after the end of the run; giving up\n", in_flight,
                    (int) (STALL_NS / 1000000000ULL));
            return 1;
        }
        if (poll(&pfd, 1, 1000) < 0) {
            if (errno == EINTR) continue;
            perror("iscsi-randio: poll");
            return 1;
        }
        if (iscsi_service(ctx, pfd.revents) < 0) {
            fprintf(stderr, "iscsi-randio: connection failed: %s\n", iscsi_get_error(ctx));
            return 1;
        }
    }
    double elapsed = (double) (now_ns() - start) / 1e9;
    printf("%.0f %.1f %llu %llu %llu %llu\n", (double) done / elapsed, (double) done * IO_BYTES / 1048576.0 / elapsed,
            (unsigned long long) percentile(0.50), (unsigned long long) percentile(0.99), (unsigned long long) done,
            (unsigned long long) errors);
    iscsi_logout_sync(ctx);
    iscsi_destroy_context(ctx);
    return errors == 0 ? 0 : 1;
}
