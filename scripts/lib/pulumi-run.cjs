"use strict";
/**
 * The Pulumi program's entry when labctl drives the CLI: the Node.js language host starts
 * `PULUMI_LANGUAGE_NODEJS_RUN_PATH` (this file) instead of @pulumi/pulumi/cmd/run. It loads the
 * program's TypeScript through ts-hook.cjs, then hands over to @pulumi/pulumi's own runner with
 * its ts-node step turned off, and OpenTelemetry's SDK left out unless the run traces (see
 * standInTracingSdk). A `pulumi` run outside labctl takes the SDK's usual path.
 */
require("./ts-hook.cjs").standInTracingSdk(process.argv.slice(2));
delete process.env.PULUMI_NODEJS_TYPESCRIPT;
require("@pulumi/pulumi/cmd/run");
