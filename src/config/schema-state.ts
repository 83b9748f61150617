// The iron.yaml keys for durable state and the live stream (issue 7's part of the schema).
import * as z from "zod";
import { obj, positiveInt, seconds, text } from "../sections/schema-parts.js";

/** A TCP port (0: any free one). */
const port = z.number({ error: "a port from 0 to 65535" }).int({ error: "a port from 0 to 65535" }).min(0, { error: "a port from 0 to 65535" }).max(65535, { error: "a port from 0 to 65535" });

/** `state: .iron/state.db`: where events, the call ledger, budgets and runs are kept. */
export const stateSchema = text("the path of a state file");

/** `retention: false`, or how much history the state file keeps: `{max_age, max_events, max_calls}`. */
export const retentionSchema = z.union(
  [z.literal(false), obj({ max_age: seconds.optional(), max_events: positiveInt.optional(), max_calls: positiveInt.optional() }, "a map {max_age, max_events, max_calls}")],
  { error: "false, or a map {max_age, max_events, max_calls}" },
);

const perSecond = z.number({ error: "a number > 0" }).positive({ error: "a number > 0" }).finite({ error: "a number > 0" });

/** `output_rate: false`, or the cap on each agent's stored output lines: `{lines_per_second, burst}`. */
export const outputRateSchema = z.union([z.literal(false), obj({ lines_per_second: perSecond.optional(), burst: positiveInt.optional() }, "a map {lines_per_second, burst}")], {
  error: "false, or a map {lines_per_second, burst}",
});

/** `stream: false`, or where to serve it: `{host, port, dashboard}` (dashboard: the web page at `/`, default true). */
export const streamSchema = z.union(
  [z.literal(false), obj({ host: text("a host name or address").optional(), port: port.optional(), dashboard: z.boolean({ error: "true or false" }).optional() }, "a map {host, port, dashboard}")],
  { error: "false, or a map {host, port, dashboard}" },
);
