/* http_routes.h: the route table berth-fcgi serves (app/http/routes.c). */
#ifndef BERTH_HTTP_ROUTES_H
#define BERTH_HTTP_ROUTES_H

#include <stddef.h>

#include "berth/http_dispatch.h"

/* The table berth-fcgi serves (app/http/routes.c). */
extern const struct http_route http_routes[];
extern const size_t http_routes_count;

#endif
