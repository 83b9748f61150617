// The whole iron.yaml schema, validated in this one place (sections live beside it), with
// the checks that span sections: fallback providers exist, agent names are unique, a rate
// limit never waits longer than the shim waits for a decision.
import * as z from "zod";
import { budgetsSchema } from "../sections/schema-budgets.js";
import { count, duration, flag, httpUrl, obj, oneOf, price, seconds, text, usd } from "../sections/schema-parts.js";
import { outputRateSchema, retentionSchema, stateSchema, streamSchema } from "./schema-state.js";
import { reliabilitySchema } from "../sections/schema-reliability.js";
import { safetySchema } from "../sections/schema-safety.js";
import { telemetrySchema } from "./schema-telemetry.js";

const provider = obj({
  name: z.string({ error: "a provider name (letters, digits, - and _)" }).regex(/^[A-Za-z0-9_-]+$/, { error: "a provider name (letters, digits, - and _)" }),
  kind: oneOf(["openai", "anthropic"]),
  /** Base URL as the SDK takes it (OpenAI-compatible: with /v1; Anthropic: without). */
  base_url: httpUrl,
});

/** One agent `iron run` starts (the shape agreed with the lifecycle work). */
const agent = obj({
  name: z
    .string({ error: "an agent name (letters, digits, ., - and _)" })
    .regex(/^[A-Za-z0-9_.-]+$/, { error: "an agent name (letters, digits, ., - and _)" })
    .optional(),
  script: text("the path of a Python script"),
  args: z.array(z.string({ error: "a string" }), { error: "a list of strings" }).optional(),
  env: z.record(z.string(), z.string({ error: "a string" }), { error: "a map of variable name to string" }).optional(),
  python: text("the path or name of a Python interpreter").optional(),
  cwd: text("a directory").optional(),
  restart: oneOf(["never", "on-failure", "always"]).optional(),
  max_restarts: count.optional(),
  restart_window: seconds.optional(),
  stop_timeout: seconds.optional(),
  min_uptime: duration("zero").optional(),
  budget: usd.optional(),
  heartbeat_timeout: seconds.optional(),
});

const shim = obj({
  /** Let calls through when the supervisor cannot answer in time. */
  fail_open: flag.optional(),
  /** How a denied call reaches the agent. */
  on_deny: oneOf(["response", "raise"]).optional(),
  /** How long the shim waits for a decision. */
  decision_timeout: seconds.optional(),
  /** Let the shim admit calls itself under a short grant (protocol/SPEC.md 3.4a); `false` asks about every call. */
  local_admission: flag.optional(),
});

export const configSchema = obj({
  /** Schema version of this file. */
  version: z.literal(1, { error: "1" }).optional(),
  /** Default interpreter for agents. */
  python: text("the path or name of a Python interpreter").optional(),
  shim: shim.optional(),
  budgets: budgetsSchema.optional(),
  safety: safetySchema.optional(),
  reliability: reliabilitySchema.optional(),
  providers: z.array(provider, { error: "a list of {name, kind, base_url}" }).optional(),
  /** Price overrides and additions, USD per million tokens. */
  prices: z.record(z.string(), price, { error: "a map of model name to {input, output, cached_input, cache_write}" }).optional(),
  /** What a model without a price costs: `deny`, or a price to charge. */
  unknown_model: z.union([z.literal("deny"), price], { error: '"deny", or a price {input, output} in USD per million tokens' }).optional(),
  /** Azure OpenAI deployment name → the model id its calls are priced as. */
  azure_deployments: z.record(z.string(), text("a model id"), { error: "a map of Azure deployment name to model id" }).optional(),
  agents: z.array(agent, { error: "a list of agents {name, script, ...}" }).optional(),
  /** The SQLite state file, relative to this file (default .iron/state.db in the working directory). */
  state: stateSchema.optional(),
  /** How much history the SQLite state file keeps: `false` keeps everything. */
  retention: retentionSchema.optional(),
  /** How many output lines of each agent become stored events: `false` stores every line. */
  output_rate: outputRateSchema.optional(),
  /** The live event stream: `false` turns it off. */
  stream: streamSchema.optional(),
  /** OTLP traces and Prometheus metrics: `false` turns both off. */
  telemetry: z
    .union([z.literal(false), telemetrySchema], { error: "false, or a map {traces, endpoint, headers, protocol, service_name, sampling, capture_content, metrics, metrics_token}" })
    .optional(),
  /** Custom policy modules (.ts, .mts, .js, .mjs), relative to this file; run after the built-ins in order. */
  policies: z.array(text("the path of a policy module"), { error: "a list of policy module paths" }).optional(),
}).superRefine((config, ctx) => {
  const providers = new Map<string, string>([
    ["openai", "openai"],
    ["anthropic", "anthropic"],
  ]);
  (config.providers ?? []).forEach((p, i) => {
    if (providers.has(p.name)) ctx.addIssue({ code: "custom", path: ["providers", i, "name"], message: "a name no other provider has", params: { got: p.name } });
    providers.set(p.name, p.kind);
  });
  // Azure OpenAI is recognised without configuration and named "azure" (a configured "azure" may still be given).
  if (!providers.has("azure")) providers.set("azure", "openai");
  const known = `a provider named in providers: (${[...providers.keys()].join(", ")})`;
  (config.reliability?.fallbacks ?? []).forEach((rule, i) => {
    if (rule.provider !== undefined && !providers.has(rule.provider))
      ctx.addIssue({ code: "custom", path: ["reliability", "fallbacks", i, "provider"], message: known, params: { got: rule.provider } });
    rule.to.forEach((t, j) => {
      if (typeof t === "string" || t.provider === undefined) return;
      if (!providers.has(t.provider)) ctx.addIssue({ code: "custom", path: ["reliability", "fallbacks", i, "to", j, "provider"], message: known, params: { got: t.provider } });
      else if (rule.provider !== undefined && providers.get(rule.provider) !== providers.get(t.provider)) {
        ctx.addIssue({
          code: "custom",
          path: ["reliability", "fallbacks", i, "to", j, "provider"],
          message: `a provider of the same kind as ${rule.provider} (${providers.get(rule.provider)})`,
          params: { got: t.provider },
        });
      }
    });
  });
  const names = new Set<string>();
  (config.agents ?? []).forEach((a, i) => {
    const name = a.name ?? a.script.replace(/^.*\//, "").replace(/\.py$/, "");
    if (names.has(name)) ctx.addIssue({ code: "custom", path: ["agents", i, "name"], message: "a name no other agent has", params: { got: name } });
    names.add(name);
  });
  const wait = config.reliability?.rate_limits?.max_wait;
  const decision = config.shim?.decision_timeout ?? 5;
  if (wait !== undefined && wait >= decision) {
    ctx.addIssue({ code: "custom", path: ["reliability", "rate_limits", "max_wait"], message: `a number of seconds below shim.decision_timeout (${decision})`, params: { got: wait } });
  }
});

/** A validated iron.yaml, as written (defaults are applied when it is mapped onto options). */
export type IronConfig = z.infer<typeof configSchema>;
