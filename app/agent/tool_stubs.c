#include "agent.h"
int tool_grep(json_t *a, json_t **r, berth_err *e) { (void)a; (void)r; return berth_err_set(e, BERTH_E_UNSUPPORTED, "grep: not yet available"); }
