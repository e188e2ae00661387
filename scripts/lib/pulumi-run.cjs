"use strict";
/**
 * The Pulumi program's entry when labctl drives the CLI: the Node.js language host starts
 * `PULUMI_LANGUAGE_NODEJS_RUN_PATH` (this file) instead of @pulumi/pulumi/cmd/run. It loads the
 * program's TypeScript through ts-hook.cjs, then hands over to @pulumi/pulumi's own runner with
 * its ts-node step turned off, OpenTelemetry's SDK left out unless the run traces (see
 * standInTracingSdk), and the SDK's V8 hooks opened on first use (see lightRunner). A `pulumi`
 * run outside labctl takes the SDK's usual path.
 */
const hook = require("./ts-hook.cjs");
hook.standInTracingSdk(process.argv.slice(2));
hook.lightRunner();
delete process.env.PULUMI_NODEJS_TYPESCRIPT;
require("@pulumi/pulumi/cmd/run");
