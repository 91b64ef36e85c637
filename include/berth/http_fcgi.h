/* http_fcgi.h: serving one FastCGI request (libfcgi) with the HTTP layer. */
#ifndef BERTH_HTTP_FCGI_H
#define BERTH_HTTP_FCGI_H

#include <fcgiapp.h>

#include "berth/http_dispatch.h"

/* Handles the request r accepted with FCGX_Accept_r: reads params and body (bounded), runs
 * http_handle, writes the response, writes the access log line and clears the log context.
 * A HEAD request gets the status and headers of the response (its Content-Length included) and
 * no body. When the body was not read to its end, the connection is marked not to be kept. The caller
 * then calls FCGX_Finish_r (or the next FCGX_Accept_r). Returns -1 if the response could not be
 * written (the client went away), else 0. */
int http_serve_fcgi(const struct http_server *srv, FCGX_Request *r);

#endif
