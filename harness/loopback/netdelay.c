/*
 * A slow link for the gray-failure specs: every packet an iptables rule sends to NFQUEUE queue Q is held D
 * milliseconds, then accepted, in arrival order. This kernel has no netem; NFQUEUE and Debian's libnetfilter-queue
 * do the same for the packets a rule selects (inside one network namespace: run it there).
 *
 *   netdelay QUEUE DELAY_MS
 *
 * Packets are copied as metadata only (NFQNL_COPY_META); verdicts go out when due, checked between reads with a
 * poll() timeout, so one thread keeps the order. Stops on SIGTERM/SIGINT, accepting what it still holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define HELD 65536

static struct { uint32_t id; int64_t due; } held[HELD];
static unsigned head, tail;
static int64_t delay_ms;
static volatile sig_atomic_t stop;

static int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *m, struct nfq_data *d, void *arg) {
    (void)m;
    (void)arg;
    struct nfqnl_msg_packet_hdr *h = nfq_get_msg_packet_hdr(d);
    if (!h) return 0;
    uint32_t id = ntohl(h->packet_id);
    if (tail - head >= HELD) return nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL); /* full: pass it late rather than drop */
    held[tail % HELD].id = id;
    held[tail % HELD].due = now_ms() + delay_ms;
    tail++;
    return 0;
}

static void release(struct nfq_q_handle *q, int all) {
    int64_t t = now_ms();
    while (head != tail && (all || held[head % HELD].due <= t)) {
        nfq_set_verdict(q, held[head % HELD].id, NF_ACCEPT, 0, NULL);
        head++;
    }
}

static void on_signal(int s) {
    (void)s;
    stop = 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s QUEUE DELAY_MS\n", argv[0]);
        return 2;
    }
    delay_ms = atoll(argv[2]);
    struct nfq_handle *h = nfq_open();
    if (!h) return perror("nfq_open"), 1;
    struct nfq_q_handle *q = nfq_create_queue(h, (uint16_t)atoi(argv[1]), on_packet, NULL);
    if (!q) return perror("nfq_create_queue"), 1;
    if (nfq_set_mode(q, NFQNL_COPY_META, 0) < 0) return perror("nfq_set_mode"), 1;
    nfq_set_queue_maxlen(q, HELD);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    int fd = nfq_fd(h);
    char buf[65536];
    printf("netdelay: queue %s, %lld ms\n", argv[1], (long long)delay_ms);
    fflush(stdout);
    while (!stop) {
        int wait = -1;
        if (head != tail) {
            int64_t left = held[head % HELD].due - now_ms();
            wait = left > 0 ? (int)left : 0;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, wait);
        if (r > 0) {
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n > 0) nfq_handle_packet(h, buf, (int)n);
            else if (n < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EINTR) break;
        }
        release(q, 0);
    }
    release(q, 1);
    nfq_destroy_queue(q);
    nfq_close(h);
    return 0;
}
