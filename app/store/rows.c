/* rows.c: turning results into the store's fixed-size structs and lists. */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>

#include "berth/store_conn.h"
#include "berth/uuid.h"

int store_copy(char *dst, size_t size, const PGresult *res, int row, int col, berth_err *err)
{
	const char *value;
	size_t len;

	if (PQgetisnull(res, row, col)) {
		dst[0] = '\0';
		return 0;
	}
	value = PQgetvalue(res, row, col);
	len = (size_t)PQgetlength(res, row, col);
	if (len >= size)
		return berth_err_set(err, BERTH_E_INTERNAL,
				     "column %s: %zu bytes do not fit in %zu", PQfname(res, col),
				     len, size - 1);
	memcpy(dst, value, len);
	dst[len] = '\0';
	return 0;
}

bool store_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

int store_check_uuid(const char *s, const char *what, berth_err *err)
{
	if (!s || !berth_uuid_is_canonical(s))
		return berth_err_set(err, BERTH_E_INVALID, "%s is not a canonical UUID", what);
	return 0;
}

int store_check_text(const char *s, const char *what, berth_err *err)
{
	if (!s || !s[0])
		return berth_err_set(err, BERTH_E_INVALID, "%s is required", what);
	return 0;
}

int store_fetch_one(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		    void *item, store_row_fn fill, const char *what, const char *missing,
		    berth_err *err)
{
	PGresult *res = store_exec(store, stmt, values, err);
	int rc;

	if (!res)
		return berth_err_prefix(err, "%s", what);
	if (PQntuples(res) == 0)
		rc = berth_err_set(err, BERTH_E_NOT_FOUND, "%s: %s not found", what, missing);
	else if ((rc = fill(res, 0, item, err)) != 0)
		berth_err_prefix(err, "%s", what);
	PQclear(res);
	return rc;
}

int store_fetch_one_cached(berth_store *store, const struct store_stmt *stmt,
			   const char *const *values, void *item, size_t item_size,
			   store_row_fn fill, const char *what, const char *missing, berth_err *err)
{
	uint64_t tag;

	if (store_cache_get(store, stmt->id, values, stmt->nparams, item, item_size, &tag))
		return 0;
	if (store_fetch_one(store, stmt, values, item, fill, what, missing, err) != 0)
		return -1;
	store_cache_put(store, stmt->id, values, stmt->nparams, item, item_size, tag);
	return 0;
}

int store_fetch_list(berth_store *store, const struct store_stmt *stmt, const char *const *values,
		     size_t item_size, store_row_fn fill, void **items, size_t *count,
		     const char *what, berth_err *err)
{
	PGresult *res = store_exec(store, stmt, values, err);
	unsigned char *array = NULL;
	int n;

	*items = NULL;
	*count = 0;
	if (!res)
		return berth_err_prefix(err, "%s", what);
	n = PQntuples(res);
	if (n > 0 && !(array = calloc((size_t)n, item_size))) {
		PQclear(res);
		return berth_err_set(err, BERTH_E_INTERNAL, "%s: out of memory", what);
	}
	for (int i = 0; i < n; i++) {
		if (fill(res, i, array + (size_t)i * item_size, err) != 0) {
			PQclear(res);
			free(array);
			return berth_err_prefix(err, "%s", what);
		}
	}
	PQclear(res);
	*items = array;
	*count = (size_t)n;
	return 0;
}

int store_fetch_bot_list(berth_store *store, const struct store_stmt *stmt, const char *bot_id,
			 size_t item_size, store_row_fn fill, void **items, size_t *count,
			 const char *what, berth_err *err)
{
	const char *values[1] = { bot_id };

	*items = NULL;
	*count = 0;
	if (store_check_uuid(bot_id, "bot id", err) != 0)
		return berth_err_prefix(err, "%s", what);
	return store_fetch_list(store, stmt, values, item_size, fill, items, count, what, err);
}

int store_run(berth_store *store, const struct store_stmt *stmt, const char *const *values,
	      long *rows, const char *what, berth_err *err)
{
	PGresult *res = store_exec(store, stmt, values, err);

	if (!res)
		return berth_err_prefix(err, "%s", what);
	if (rows)
		*rows = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}
