// One line per section of a valid config, for `iron config check`: what iron will do.
import { formatUsd, usdToMicros } from "../policy/money.js";
import type { LimitsInput } from "../sections/schema-budgets.js";
import type { IronConfig } from "./schema.js";

function limits(input: LimitsInput | undefined): string | null {
  if (input === undefined) return null;
  return (Array.isArray(input) ? input : [input])
    .map((l) => (typeof l === "number" ? formatUsd(usdToMicros(l)) : `${formatUsd(usdToMicros(l.usd))}${l.period === "total" ? "" : `/${l.period}`}`))
    .join(" + ");
}

/** Human summary lines of a validated config. */
export function describeConfig(c: IronConfig): string[] {
  const lines: string[] = [];
  const b = c.budgets ?? {};
  const budgetParts = [
    limits(b.global) && `global ${limits(b.global)}`,
    limits(b.per_agent) && `per agent ${limits(b.per_agent)}`,
    limits(b.per_run) && `per run ${limits(b.per_run)}`,
    ...Object.entries(b.per_attribute ?? {}).map(([name, l]) => `per ${name} ${limits(l)}`),
  ].filter((p): p is string => typeof p === "string");
  const warn = (b.warn_at ?? [0.5, 0.8, 0.9]).map((t) => `${Math.round(t * 100)}%`).join(", ");
  lines.push(`budgets: ${budgetParts.length === 0 ? "spend tracked, no limit" : budgetParts.join("; ")}; warnings at ${warn}; when exhausted: ${b.on_exhausted ?? "deny"}`);
  const s = c.safety;
  if (s?.enabled === false) lines.push("safety: off");
  else {
    const side = (map: Record<string, string> | undefined): string => {
      const { default: d, ...rest } = map ?? {};
      const extra = Object.entries(rest).map(([k, v]) => `${k}: ${v}`);
      return `${d ?? "redact"}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
    };
    const custom = s?.custom?.length ?? 0;
    lines.push(
      `safety: ${s?.detectors === undefined ? "all built-in detectors" : `${s.detectors.length} detectors`}${custom > 0 ? ` + ${custom} custom` : ""}; input: ${side(s?.input)}; output: ${side(s?.output)}`,
    );
  }
  const r = c.reliability;
  if (r?.enabled === false) lines.push("reliability: off");
  else {
    const br = r?.breakers;
    const parts = [
      br === false || br?.enabled === false
        ? "breakers off"
        : `breakers trip at ${br?.consecutive_failures ?? 5} failures in a row or ${Math.round((br?.failure_rate ?? 0.5) * 100)}% of ≥${br?.minimum_calls ?? 10} calls in ${br?.window ?? 60}s, cool down ${br?.cooldown ?? 30}s`,
    ];
    const rate = (l: { rpm?: number; tpm?: number }): string => [l.rpm && `${l.rpm} rpm`, l.tpm && `${l.tpm} tpm`].filter(Boolean).join(" + ");
    if (r?.rate_limits?.per_agent !== undefined) parts.push(`per agent ${rate(r.rate_limits.per_agent)}`);
    for (const [name, l] of Object.entries(r?.rate_limits?.per_provider ?? {})) parts.push(`${name} ${rate(l)}`);
    for (const [name, l] of Object.entries(r?.rate_limits?.per_attribute ?? {})) parts.push(`per ${name} ${rate(l)}`);
    if ((r?.fallbacks?.length ?? 0) > 0) parts.push(`${r?.fallbacks?.length} fallback rule${r?.fallbacks?.length === 1 ? "" : "s"}`);
    if (r?.timeout !== undefined) parts.push(`timeout ${r.timeout}s`);
    lines.push(`reliability: ${parts.join("; ")}`);
  }
  for (const p of c.providers ?? []) lines.push(`provider ${p.name} (${p.kind}): ${p.base_url}`);
  if (c.prices !== undefined) lines.push(`prices: ${Object.keys(c.prices).length} override(s)`);
  lines.push(`unknown models: ${c.unknown_model === undefined ? "charged at gpt-4o's price" : c.unknown_model === "deny" ? "denied" : "charged at the configured price"}`);
  for (const a of c.agents ?? []) {
    const extra = [a.budget !== undefined && `budget ${formatUsd(usdToMicros(a.budget))}`, a.restart !== undefined && `restart ${a.restart}`].filter(Boolean);
    lines.push(`agent ${a.name ?? a.script}: ${a.script}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`);
  }
  for (const p of c.policies ?? []) lines.push(`policy module: ${p}`);
  const stream = c.stream === false ? "off" : `${c.stream?.host ?? "127.0.0.1"}:${c.stream?.port ?? "any free port"}`;
  lines.push(`state: ${c.state ?? ".iron/state.db (or --state / IRON_STATE)"}; event stream: ${stream}`);
  return lines;
}
