/*
 * accept.c -- spasm-serve's acceptor for --dispatch inline: one thread
 * accepts every connection and hands it to libmicrohttpd
 * (MHD_add_connection), which spreads the connections over its threads
 * (by socket number, so connections opened together alternate).  Left to
 * themselves, libmicrohttpd's threads each accept on the shared socket,
 * and the first one awake takes a whole burst: 8 connections opened at
 * once all went to one thread, which then searched alone on one core
 * (bench/README.md, "spasm-serve").  Only the connection's start passes
 * through this thread; its requests do not.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve.h"

/* Accept until told to stop (polling the stop flag every 100 ms). */
static void *acceptor(void *arg)
{
    serve_server *srv = arg;
    struct pollfd pf = {.fd = srv->lfd, .events = POLLIN};
    while (!atomic_load(&srv->acc_stop)) {
        /* at libmicrohttpd's limit new connections wait in the kernel's
         * backlog, as when it accepts itself (it would close them) */
        if (atomic_load(&srv->connections) >= (long)srv->conn_limit) {
            usleep(10000);
            continue;
        }
        if (poll(&pf, 1, 100) <= 0) continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int c = accept4(srv->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                usleep(10000); /* out of descriptors: let connections close */
            continue;
        }
        /* libmicrohttpd closes it when it cannot take it (its limit) */
        (void)MHD_add_connection(srv->d, c, (struct sockaddr *)&ss, sl);
    }
    return NULL;
}

int accept_start(serve_server *srv, int fd)
{
    srv->lfd = fd;
    atomic_store(&srv->acc_stop, 0);
    if (pthread_create(&srv->acc_th, NULL, acceptor, srv) != 0) return -1;
    srv->acc_running = 1;
    return 0;
}

void accept_stop(serve_server *srv)
{
    if (!srv->acc_running) return;
    atomic_store(&srv->acc_stop, 1);
    pthread_join(srv->acc_th, NULL);
    srv->acc_running = 0;
    close(srv->lfd); /* new connections are refused from here on */
    srv->lfd = -1;
}
