/*
 * Preloaded into librdkafka's mock cluster for benches: sets TCP_NODELAY on every connection
 * it accepts, as Kafka brokers do. The mock leaves Nagle's algorithm on, so with several
 * requests in flight an answer can wait ~40 ms for the client's delayed ACK, which no real
 * broker makes a client wait.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int nodelay(int fd) {
        if (fd >= 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        return fd;
}

int accept(int s, struct sockaddr *addr, socklen_t *len) {
        static int (*real)(int, struct sockaddr *, socklen_t *);
        if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
        return nodelay(real(s, addr, len));
}

int accept4(int s, struct sockaddr *addr, socklen_t *len, int flags) {
        static int (*real)(int, struct sockaddr *, socklen_t *, int);
        if (!real) real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
        return nodelay(real(s, addr, len, flags));
}
