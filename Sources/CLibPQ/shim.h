#ifndef BALLOT_CLIBPQ_SHIM_H
#define BALLOT_CLIBPQ_SHIM_H

#include <libpq-fe.h>

// The data layer drives libpq's non-blocking API from an epoll loop. Swift's Glibc
// module does not export epoll or eventfd, so they come in through this module too.
#include <sys/epoll.h>
#include <sys/eventfd.h>

#endif
