/* libFuzzer harness: a SKILL.md through skills_parse (its YAML front matter via libyaml). Whatever
 * the text, the result is an object with a non-empty name, a description and a content (strings,
 * so valid UTF-8), that serializes; the name rule (skills_name_valid) never reads past len. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "berth/skills.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *s = skills_parse("dir", (const char *)data, size);
	const json_t *md;
	char *text;

	if (!s)
		abort(); /* only out of memory */
	if (!json_is_string(json_object_get(s, "name")) ||
	    json_string_length(json_object_get(s, "name")) == 0 ||
	    !json_is_string(json_object_get(s, "description")) ||
	    !json_is_string(json_object_get(s, "content")))
		abort();
	md = json_object_get(s, "metadata");
	if (md && !json_is_object(md))
		abort();
	text = json_dumps(s, JSON_COMPACT);
	if (!text)
		abort();
	free(text);
	json_decref(s);
	(void)skills_name_valid((const char *)data, size);
	return 0;
}
