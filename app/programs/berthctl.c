/* berthctl: the operator's tool (migrations, users, identities, bots, members, images, doctor).
 * Operators never write SQL by hand: every change goes through the store's prepared statements. */
#include <stdio.h>
#include <string.h>

#include "berth/config.h"
#include "berth/log.h"
#include "berthctl.h"

static const char USAGE[] =
	"usage: berthctl [-c CONFIG] COMMAND ...\n"
	"commands:\n"
	"  migrate                                   apply the database migrations (idempotent)\n"
	"  user create NAME [--admin]                create a user; prints its id\n"
	"  user list                                 id, name, role, active\n"
	"  identity add USER CHANNEL SUBJECT         bind an identity (CHANNEL x509: SUBJECT is the\n"
	"                                            certificate's subject DN as nginx passes it)\n"
	"  bot create [NAME] --owner USER [--id UUID] [--name NAME] [--type personal|public]\n"
	"             [--public] [--allow-guest]     create a bot; prints its id\n"
	"  bot list [--owner USER]                   id, owner, type, status, name\n"
	"  member add BOT USER [--role owner|admin|member]\n"
	"  image ...                                 bot images (berthctl image help)\n"
	"  doctor                                    check database, containerd and directories\n"
	"USER is a user name or id; BOT is a bot id. CONFIG: -c, else $BERTH_CONFIG, else " BERTH_CONFIG_DEFAULT_PATH
	".\n";

int berthctl_fail(const berth_err *err, int usage)
{
	fprintf(stderr, "berthctl: %s\n", err->msg[0] ? err->msg : berth_errkind_code(err->kind));
	if (usage && err->kind == BERTH_E_INVALID) {
		fputs("(berthctl --help shows the usage)\n", stderr);
		return BERTHCTL_USAGE;
	}
	return BERTHCTL_FAILED;
}

struct command {
	const char *name;
	int (*run)(const struct berth_config *cfg, int argc, char **argv);
};

static const struct command commands[] = {
	{ "migrate", berthctl_cmd_migrate },   { "user", berthctl_cmd_user },
	{ "identity", berthctl_cmd_identity }, { "bot", berthctl_cmd_bot },
	{ "member", berthctl_cmd_member },     { "image", berthctl_cmd_image },
	{ "doctor", berthctl_cmd_doctor },
};

int main(int argc, char **argv)
{
	const char *config_path = NULL;
	struct berth_config cfg;
	berth_err err = { 0 };
	int i = 1;
	int rc;

	blog_init("berthctl", BLOG_WARN, 2);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(USAGE, stdout);
			return BERTHCTL_OK;
		} else if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) &&
			   i + 1 < argc) {
			config_path = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			config_path = argv[i] + 9;
		} else {
			fprintf(stderr, "berthctl: unknown option '%s'\n%s", argv[i], USAGE);
			return BERTHCTL_USAGE;
		}
	}
	if (i >= argc) {
		fputs(USAGE, stderr);
		return BERTHCTL_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		fputs(USAGE, stdout);
		return BERTHCTL_OK;
	}
	for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
		if (strcmp(argv[i], commands[c].name) != 0)
			continue;
		if (berth_config_load(config_path, &cfg, &err) != 0)
			return berthctl_fail(&err, 0);
		rc = commands[c].run(&cfg, argc - i - 1, argv + i + 1);
		berth_config_free(&cfg);
		return rc;
	}
	fprintf(stderr, "berthctl: unknown command '%s'\n%s", argv[i], USAGE);
	return BERTHCTL_USAGE;
}
