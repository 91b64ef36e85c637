// validate.mjs FILE: validates an OpenAPI document with @apidevtools/swagger-parser (the OpenAPI 3.1
// schema, every $ref resolved). Run by test/openapi/lint.sh from the build directory, where
// `npm ci` installed the version pinned in package-lock.json. Exit 0 valid, 1 not.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
if (!file) {
	console.error("usage: node validate.mjs FILE");
	process.exit(2);
}
try {
	const api = await SwaggerParser.validate(file);
	let operations = 0;
	for (const item of Object.values(api.paths ?? {}))
		for (const m of ["get", "put", "post", "delete", "options", "head", "patch", "trace"])
			if (item[m]) operations++;
	console.log(`openapi: ${file} is a valid OpenAPI ${api.openapi} document (${operations} operations)`);
} catch (e) {
	console.error(`openapi: ${file} is not valid: ${e.message}`);
	process.exit(1);
}
