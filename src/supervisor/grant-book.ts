// Grants (protocol/SPEC.md 3.4a): a request decision may let the agent's shim admit calls like it on
// its own for a short while, so the common call waits for no round trip. A grant's budget is a real
// hold (a pool in the ledger, journaled like any hold); every admitted call still comes here as an
// llm.request and runs the whole pipeline, its hold carved out of the pool. A decision on an admitted
// call that is anything but an unchanged allow means the grant's terms missed something: a
// policy.error, and the connection's grants end. So do every grant's when a limit, a breaker or the
// policies change.
import type { EventInput, IronEvent } from "../events/types.js";
import type { BudgetLedger } from "../policy/budget-ledger.js";
import type { AdmissionTerms } from "../policy/engine.js";
import { requestedCap } from "../policy/policies/budget.js";
import type { LlmCall } from "../policy/types.js";
import type { LlmRequestMessage, OutboundMessage, WireGrant } from "../protocol/messages.js";
import type { DecisionFields, Session } from "../transport/agent-server.js";
import { toCall } from "./wire-mapping.js";

/** How long a shim may admit under a grant (from the moment it reads it). */
export const GRANT_TTL_MS = 250;
/** Calls a grant admits at most. */
export const GRANT_CALLS = 32;
/** A grant's pool is held this much longer than the shim may use it: admitted calls still on their way carve out of it. */
export const GRANT_GRACE_MS = 1000;
/** A pool takes at most this share of what is left in a limited scope. */
const SHARE_OF_LEFT = 4;

/** What the grant book needs of the supervisor. */
export interface GrantBookOptions {
  readonly enabled: boolean;
  readonly ledger: BudgetLedger;
  readonly terms: (call: LlmCall) => AdmissionTerms | null;
  readonly publish: (event: EventInput) => void;
  /** Hears of a grant whose terms missed a decision (logged as an error). */
  readonly missed: (error: Error) => void;
  readonly clock?: () => number;
}

/** A session that may hold grants: it took them in its hello, and frames can be pushed to it. */
export interface Grantee {
  readonly session: Session;
  readonly push: (message: OutboundMessage) => void;
}

interface Grant {
  readonly id: string;
  readonly grantee: Grantee;
  readonly scopes: readonly string[];
  /** The bound of the call that earned it: what a call admitted under it that is denied after all holds. */
  readonly perCall: number;
  readonly until: number;
  calls: number;
  ended: boolean;
  readonly timer: NodeJS.Timeout;
}

/** The grants out, by id; one supervisor's. */
export class GrantBook {
  readonly #o: GrantBookOptions;
  readonly #clock: () => number;
  readonly #grants = new Map<string, Grant>();
  #next = 1;
  readonly #prefix = `g${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(options: GrantBookOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** True when this session may be offered grants: they are on, the shim takes them, the ledger holds pools. */
  takes(session: Session): boolean {
    return this.#o.enabled && this.#o.ledger.reservePool !== undefined && session.hello.features?.includes("grant") === true;
  }

  /**
   * The decision on an asked request, with a grant when one may be given: an unchanged allow of a JSON
   * object body, every policy able to say what it may act on, and no grant of this session still usable.
   */
  offer(grantee: Grantee, message: LlmRequestMessage, decision: DecisionFields): DecisionFields {
    if (decision.action !== "allow" || typeof message.body !== "object" || message.body === null || Array.isArray(message.body)) return decision;
    const now = this.#clock();
    for (const g of this.#grants.values()) if (g.grantee.session === grantee.session && this.#usable(g, now)) return decision;
    const call = toCall(grantee.session.agentId, message);
    const terms = this.#o.terms(call);
    if (terms === null) return decision;
    const grant = this.#open(grantee, call, terms, now);
    return grant === null ? decision : { ...decision, grant };
  }

  // A grant the shim may still admit a few calls under: no new one is needed yet.
  #usable(g: Grant, now: number): boolean {
    return !g.ended && g.until - GRANT_GRACE_MS > now + GRANT_TTL_MS / 2 && g.calls > 1 && (this.#o.ledger.poolLeft?.(g.id) ?? 0) >= 2 * g.perCall;
  }

  #open(grantee: Grantee, call: LlmCall, terms: AdmissionTerms, now: number): WireGrant | null {
    const b = terms.budget;
    const ledger = this.#o.ledger;
    const output = requestedCap(call) ?? b.outDefault;
    if (output === null) return null;
    const bytes = Buffer.byteLength(JSON.stringify(call.body), "utf8");
    const perCall = Math.max(1, Math.ceil((Math.ceil(bytes * b.inFactor) + 16) * b.inMicros + output * b.outMicros));
    let micros = GRANT_CALLS * perCall;
    for (const scope of b.scopes) {
      const left = ledger.remaining(scope);
      if (left !== null) micros = Math.min(micros, Math.floor(left / SHARE_OF_LEFT));
    }
    if (micros < perCall) return null;
    const id = `${this.#prefix}-${this.#next++}`;
    if (b.limits !== undefined) for (const scope in b.limits) if (ledger.limit(scope) !== b.limits[scope]) ledger.setLimit(scope, b.limits[scope] ?? null);
    if (!(ledger.reservePool?.(id, b.scopes, micros).ok ?? false)) return null;
    const until = now + GRANT_TTL_MS + GRANT_GRACE_MS;
    const timer = setTimeout(() => this.#close(id), until - now);
    timer.unref();
    this.#grants.set(id, { id, grantee, scopes: b.scopes, perCall, until, calls: GRANT_CALLS, ended: false, timer });
    return {
      id,
      ttl_ms: GRANT_TTL_MS,
      calls: GRANT_CALLS,
      micros,
      provider: call.provider,
      endpoint: call.endpoint,
      model: call.model,
      url: call.url,
      stream: call.stream,
      attrs: call.attrs,
      in_factor: b.inFactor,
      in_micros: b.inMicros,
      out_micros: b.outMicros,
      out_default: b.outDefault,
      request_hints: terms.requestHints.map((h) => ({ re: h.source, i: h.ignoreCase })),
    };
  }

  /**
   * Checks the decision on a call the shim admitted under a grant (it went out already): anything but
   * an unchanged allow is a policy.error, and the session's grants end. A denied call keeps a hold out of
   * the pool, so its cost is still settled when it reports back.
   */
  admitted(session: Session, call: LlmCall, decision: DecisionFields): void {
    const grant = call.admitted === undefined ? undefined : this.#grants.get(call.admitted);
    if (grant !== undefined) grant.calls -= 1;
    if (decision.action === "allow" && (decision.body ?? null) === null && (decision.url ?? null) === null) return;
    if (decision.action === "deny" && grant !== undefined) {
      try {
        this.#o.ledger.carve?.(grant.id, call.id, grant.scopes, grant.perCall);
      } catch {
        // A failed store holds nothing more: the pool's rest, charged at the next start, covers the call.
      }
    }
    const error = `a call admitted by the agent's shim under grant ${call.admitted ?? "?"} went out unchanged, but the supervisor's decision was ${decision.action}${decision.policy === undefined || decision.policy === null ? "" : ` by ${decision.policy}`}: the grant's terms missed it`;
    this.#o.publish({ type: "policy.error", agentId: session.agentId, callId: call.id, policy: decision.policy ?? "unknown", error, timedOut: false, ignored: true });
    this.#o.missed(new Error(`call ${call.id}: ${error}`));
    this.revoke((g) => g.grantee.session === session, "a decision on an admitted call was not an unchanged allow");
  }

  /** Ends the grants `which` selects (all by default): the shim is told, and asks again from its next call. */
  revoke(which: (grant: { readonly grantee: Grantee }) => boolean = () => true, reason = "revoked"): void {
    for (const grant of this.#grants.values()) {
      if (grant.ended || !which(grant)) continue;
      grant.ended = true;
      grant.grantee.push({ v: 1, type: "grant.end", id: 0, grant: grant.id, reason });
    }
  }

  // A grant's time is over (with its grace): what is left in its pool goes back.
  #close(id: string): void {
    const grant = this.#grants.get(id);
    if (grant === undefined) return;
    this.#grants.delete(id);
    clearTimeout(grant.timer);
    this.#o.ledger.releasePool?.(id);
  }

  /** Gives back the pools of an agent that is gone (its shim admits nothing more). */
  abandon(agentId: string): void {
    for (const grant of [...this.#grants.values()]) if (grant.grantee.session.agentId === agentId) this.#close(grant.id);
  }

  /** Gives every pool back (the supervisor stops). */
  close(): void {
    for (const id of [...this.#grants.keys()]) this.#close(id);
  }
}

/**
 * A grant book whose grants all end when the policies change, a breaker changes state or the store
 * fails: the shims ask again from their next call. (Limits set and spend reset end them too: the
 * supervisor's operator controls revoke on their budget.update.)
 */
export function wiredGrantBook(engine: { onChange(listener: () => void): void }, bus: { subscribe(listener: (event: IronEvent) => void): unknown }, options: GrantBookOptions): GrantBook {
  const book = new GrantBook(options);
  engine.onChange(() => book.revoke(undefined, "the policies changed"));
  bus.subscribe((event) => {
    if (event.type === "breaker.state" || event.type === "store.error") book.revoke(undefined, event.type);
  });
  return book;
}
