// The supervisor's end of the wire: authenticates shims by challenge–response (hello, challenge,
// proof: SPEC 3.1a), then routes their messages to the handlers and their answers back.
// Unauthenticated traffic is dropped.
import { IronError, isIronError, messageOf } from "../errors.js";
import { decode, encodeDecision, encodeMessage } from "../protocol/codec.js";
import { HELLO_LIMITS, MAX_PRE_WELCOME_BYTES, PROTOCOL_VERSION, WIRE_FEATURES } from "../protocol/constants.js";
import type {
  ByeMessage,
  DecisionMessage,
  HeartbeatMessage,
  HelloMessage,
  LlmChunkMessage,
  LlmRequestMessage,
  LlmResponseMessage,
  OutboundMessage,
  ProofMessage,
  ShimSettings,
  WireBudget,
} from "../protocol/messages.js";
import { parseEnvelope, parseInbound } from "../protocol/parse.js";
import { decodeCallMessage } from "../protocol/call-message-decoder.js";
import { LogThrottle } from "../telemetry/log-throttle.js";
import type { Logger } from "../telemetry/logger.js";
import { Challenges, type Credential, type CredentialKind } from "./challenges.js";
import { Connections, type ConnectionLimits } from "./connections.js";
import { PeerGuard } from "./peer-guard.js";
import { RefusalTally, type Refusal } from "./refusal-tally.js";
import { type RouterOptions, RouterSocket } from "./router-socket.js";

/** One authenticated shim connection. */
export interface Session {
  readonly id: string;
  readonly agentId: string;
  readonly hello: HelloMessage;
  readonly connectedAt: number;
  lastSeen: number;
  /** Sends a message the shim did not ask for (a grant's end, SPEC 3.4a). */
  readonly push?: (message: OutboundMessage) => void;
}

export type AuthResult =
  | { readonly ok: true; readonly agentId: string; readonly settings: ShimSettings; readonly budget?: WireBudget | null }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/** A decision as a handler gives it: the server adds the envelope. */
export type DecisionFields = Omit<DecisionMessage, "v" | "type" | "id">;

/** What the server asks of the supervisor. */
export interface AgentServerHandlers {
  /** The secrets that may authenticate this hello (a spawned agent's token, the join token); none refuses it at once. */
  credentials(hello: HelloMessage): readonly Credential[];
  /** Admits a hello whose proof matched the secret of `kind`. */
  authenticate(hello: HelloMessage, kind: CredentialKind): AuthResult;
  onSession(session: Session): void;
  /**
   * Decides about a request: the decision returned (at once or as a promise) is sent, unless the
   * handler sent it itself with `reply` before finishing what follows the decision.
   */
  onRequest(session: Session, message: LlmRequestMessage, reply: (decision: DecisionFields) => void): DecisionFields | Promise<DecisionFields>;
  /** Decides about a response: answered as `onRequest`. */
  onResponse(session: Session, message: LlmResponseMessage, reply: (decision: DecisionFields) => void): DecisionFields | Promise<DecisionFields>;
  /** Filters streamed text: answered as `onRequest`, always at once. */
  onChunk(session: Session, message: LlmChunkMessage, reply: (decision: DecisionFields) => void): DecisionFields;
  onHeartbeat(session: Session, message: HeartbeatMessage): void;
  onBye(session: Session, message: ByeMessage): void;
  /** Refused hellos for the audit trail: the first of each source, then counts (see RefusalTally). */
  onReject?(refusal: Refusal): void;
}

/** Limits on peers that have not been welcomed. */
export type AgentServerOptions = ConnectionLimits & Pick<RouterOptions, "tls">;

/** Serves shims on a ROUTER socket. */
export class AgentServer {
  readonly #handlers: AgentServerHandlers;
  readonly #logger: Logger;
  readonly #sessions = new Map<string, Session>();
  /** Hostile or broken peers: throttled warnings, and muting of those that keep at it. */
  readonly #throttle: LogThrottle;
  readonly #guard = new PeerGuard();
  readonly #connections: Connections;
  readonly #refusals = new RefusalTally();
  readonly #challenges = new Challenges();
  readonly #sweeper: NodeJS.Timeout;
  #router: RouterSocket | null = null;
  #nextSession = 1;
  /**
   * Reports nobody waits for (an llm.response with reply false, a released llm.chunk), held until
   * the frames read with them are handled: a request that came in the same read is answered first
   * (its decision is what a caller waits for). Any other frame runs them first, so a call's own
   * messages and a session's end keep their order.
   */
  #unanswered: (() => void)[] = [];
  readonly #runUnanswered = (): void => {
    const held = this.#unanswered;
    if (held.length === 0) return;
    this.#unanswered = [];
    for (const run of held) run();
  };

  private constructor(handlers: AgentServerHandlers, logger: Logger, options: AgentServerOptions) {
    this.#handlers = handlers;
    this.#logger = logger;
    this.#throttle = new LogThrottle(logger);
    this.#connections = new Connections(options);
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(20, this.#connections.helloTimeoutMs / 4)).unref();
  }

  /** Binds the endpoints and starts serving. */
  static async listen(endpoints: readonly string[], handlers: AgentServerHandlers, logger: Logger, options: AgentServerOptions = {}): Promise<AgentServer> {
    const server = new AgentServer(handlers, logger, options);
    try {
      server.#router = await RouterSocket.bind(endpoints, (id, payload) => server.#onFrame(id, payload), logger, options.tls === undefined ? {} : { tls: options.tls });
    } catch (error) {
      clearInterval(server.#sweeper);
      throw error;
    }
    return server;
  }

  /** What the server keeps per peer: sessions (welcomed), challenges awaiting a proof, open connections. */
  get held(): { readonly sessions: number; readonly challenges: number; readonly connections: number } {
    return { sessions: this.#sessions.size, challenges: this.#challenges.size, connections: this.#connections.size };
  }

  get endpoints(): readonly string[] {
    return this.#router?.endpoints ?? [];
  }

  /** Sessions currently connected, by agent id. */
  sessionsOf(agentId: string): Session[] {
    return [...this.#sessions.values()].filter((s) => s.agentId === agentId);
  }

  /** Forgets one session (a newer connection of the same process replaced it). */
  dropSession(sessionId: string): void {
    for (const [key, session] of this.#sessions) if (session.id === sessionId) this.#sessions.delete(key);
  }

  /** Forgets every session of an agent (its token was revoked or it exited). */
  dropAgent(agentId: string): void {
    for (const [key, session] of this.#sessions) if (session.agentId === agentId) this.#sessions.delete(key);
  }

  #send(routingId: Buffer, message: OutboundMessage): void {
    this.#router?.send(routingId, encodeMessage(message));
  }

  // Every frame: a connection notice, or decode, check the envelope, authenticate or dispatch.
  #onFrame(routingId: Buffer, payload: Buffer): void {
    const key = routingId.toString("latin1");
    if (payload.byteLength === 0) {
      this.#runUnanswered();
      return this.#notice(key);
    }
    if (this.#guard.isMuted(key)) return;
    const session = this.#sessions.get(key);
    if (session === undefined && payload.byteLength > MAX_PRE_WELCOME_BYTES) {
      this.#throttle.warn({ bytes: payload.byteLength, max: MAX_PRE_WELCOME_BYTES }, "dropped an oversized message from a peer that has not been welcomed");
      this.#strike(key);
      this.#send(routingId, {
        v: PROTOCOL_VERSION,
        type: "reject",
        id: 0,
        code: "IRON_ERR_PROTOCOL",
        reason: `a message before welcome may hold at most ${MAX_PRE_WELCOME_BYTES} bytes; got ${payload.byteLength}`,
      });
      return;
    }
    // A welcomed agent's requests and responses take the hand-written decoder; anything it does not
    // answer (every other message, anything off the spec) the generic decode and parse.
    const call = session === undefined ? null : decodeCallMessage(payload);
    let value: unknown;
    if (call === null) {
      try {
        value = decode(payload);
      } catch (error) {
        this.#throttle.warn({ err: messageOf(error), bytes: payload.byteLength }, "dropped an undecodable message");
        this.#strike(key);
        return;
      }
    }
    try {
      const message = call ?? parseInbound(value);
      if (message.type !== "llm.request") this.#runUnanswered();
      if (message.type === "hello") return this.#hello(key, routingId, message, payload);
      if (message.type === "proof") return this.#proof(key, routingId, message);
      if (session === undefined) {
        this.#throttle.warn({ type: message.type }, "dropped a message from a peer that has not said hello");
        this.#strike(key);
        return;
      }
      session.lastSeen = Date.now();
      switch (message.type) {
        case "llm.request":
          // A call the shim admitted under a grant went out already: decided as any other, not answered (SPEC 3.4a).
          return this.#decide(routingId, message.id, (reply) => this.#handlers.onRequest(session, message, reply), message.admitted === undefined);
        case "llm.response": {
          // A fire-and-forget report (reply false) is handled the same, but not answered (SPEC 3.6), after the read's requests.
          const handle = (): void => this.#decide(routingId, message.id, (reply) => this.#handlers.onResponse(session, message, reply), message.reply !== false);
          return message.reply === false ? this.#afterRequests(handle) : handle();
        }
        case "llm.chunk": {
          // A read the shim released without asking is followed, not answered (SPEC 3.6a `released`), after the read's requests.
          const handle = (): void => this.#decide(routingId, message.id, (reply) => this.#handlers.onChunk(session, message, reply), message.released !== true);
          return message.released === true ? this.#afterRequests(handle) : handle();
        }
        case "heartbeat":
          return this.#handlers.onHeartbeat(session, message);
        case "bye":
          this.#sessions.delete(key);
          return this.#handlers.onBye(session, message);
      }
    } catch (error) {
      this.#protocolError(key, routingId, call === null ? value : decode(payload), session, error);
    }
  }

  // Holds an unanswered report until the frames of this read are handled (then microtasks run, after
  // the turn's replies were written: the connection uncorks on process.nextTick, which runs first).
  #afterRequests(handle: () => void): void {
    if (this.#unanswered.push(handle) === 1) queueMicrotask(this.#runUnanswered);
  }

  // The socket's notice that a peer connected or left: a session ends with its connection.
  #notice(key: string): void {
    const what = this.#connections.notice(key);
    if (what === "disconnected") {
      this.#sessions.delete(key);
      this.#guard.forget(key);
      this.#abandoned(key);
    } else if (what === "over-limit") {
      this.#mute(key);
      this.#throttle.warn({ open: this.#connections.size }, "muted a new connection: too many connections are open");
    }
  }

  // Connections that were not welcomed in time are muted: their messages are dropped unread.
  #sweep(): void {
    for (const key of this.#connections.overdue()) {
      this.#mute(key);
      this.#throttle.warn({ timeoutMs: this.#connections.helloTimeoutMs }, "muted a connection that was not welcomed in time");
    }
  }

  // One more dropped message from a peer; the one that mutes it is logged.
  #strike(key: string): void {
    if (!this.#guard.strike(key)) return;
    this.#throttle.warn({}, "muted a peer that kept sending messages the protocol drops");
    this.#mute(key);
  }

  // A muted peer's messages are dropped unread and its connection is closed, not left open for as long as it stays.
  #mute(key: string): void {
    this.#guard.mute(key);
    this.#challenges.forget(key);
    this.#router?.disconnect(Buffer.from(key, "latin1"));
  }

  // A hello starts the challenge–response: the supervisor proves first, with every secret it may hold for it.
  #hello(key: string, routingId: Buffer, hello: HelloMessage, payload: Buffer): void {
    if (!this.#connections.isOpen(key)) {
      // No connect notice for this routing id (it sent an empty message itself): fail closed.
      this.#throttle.warn({}, "dropped a hello from a connection the socket did not report open");
      this.#strike(key);
      return;
    }
    if (this.#challenges.helloOf(key) !== undefined) this.#strike(key); // a second hello before the proof
    const credentials = this.#handlers.credentials(hello);
    if (credentials.length === 0) {
      this.#challenges.forget(key);
      const why = `this supervisor holds no token for agent ${JSON.stringify(hello.agent)} and accepts no joins`;
      return this.#refuse(key, routingId, hello, hello.id, "IRON_ERR_AUTH", why);
    }
    const challenge = this.#challenges.begin(key, hello, payload, credentials);
    this.#send(routingId, { v: PROTOCOL_VERSION, type: "challenge", id: hello.id, ...challenge });
  }

  // The client's proof: checked against the challenge it answers (used up either way), then welcome or reject.
  #proof(key: string, routingId: Buffer, message: ProofMessage): void {
    const answered = this.#challenges.answer(key, message.proof);
    if (answered === undefined) {
      this.#throttle.warn({}, "dropped a proof from a peer that was not challenged");
      this.#strike(key);
      this.#send(routingId, { v: PROTOCOL_VERSION, type: "reject", id: message.id, code: "IRON_ERR_PROTOCOL", reason: "a proof answers a challenge: send hello first" });
      return;
    }
    const { hello, credential } = answered;
    if (credential === null) {
      const why = `the proof does not match a token this supervisor holds for agent ${JSON.stringify(hello.agent)}`;
      return this.#refuse(key, routingId, hello, message.id, "IRON_ERR_AUTH", why);
    }
    const auth = this.#handlers.authenticate(hello, credential.kind);
    if (!auth.ok) return this.#refuse(key, routingId, hello, message.id, auth.code, auth.reason);
    this.#guard.clear(key);
    this.#connections.welcomed(key);
    const push = (pushed: OutboundMessage): void => this.#send(routingId, pushed);
    const session: Session = { id: `s-${this.#nextSession++}`, agentId: auth.agentId, hello, connectedAt: Date.now(), lastSeen: Date.now(), push };
    this.#sessions.set(key, session);
    const budget = auth.budget === undefined ? {} : { budget: auth.budget };
    this.#send(routingId, { v: PROTOCOL_VERSION, type: "welcome", id: message.id, agent: auth.agentId, session: session.id, settings: auth.settings, ...budget, features: WIRE_FEATURES });
    this.#handlers.onSession(session);
  }

  // A refused hello: the connection loses any session, is struck, told why, and the refusal counted per source.
  #refuse(key: string, routingId: Buffer, hello: HelloMessage, id: number, code: string, reason: string): void {
    this.#sessions.delete(key);
    this.#throttle.warn({ agent: hello.agent, pid: hello.pid, code, reason }, "rejected hello");
    this.#strike(key);
    this.#send(routingId, { v: PROTOCOL_VERSION, type: "reject", id, code, reason });
    this.#tally({ code, reason, requested: hello.agent, host: hello.host, pid: hello.pid });
  }

  // A connection that closed with a challenge unanswered: the shim found our proof wrong (a wrong token) or gave up.
  #abandoned(key: string): void {
    const hello = this.#challenges.helloOf(key);
    if (hello === undefined) return;
    this.#challenges.forget(key);
    const reason = "the peer left without answering the challenge: it holds another token (or is not a shim)";
    this.#tally({ code: "IRON_ERR_AUTH", reason, requested: hello.agent, host: hello.host, pid: hello.pid });
  }

  #tally(refusal: Omit<Refusal, "count">): void {
    for (const summary of this.#refusals.record(refusal)) this.#handlers.onReject?.(summary);
  }

  // One decision per message: sent the moment the handler has it (in this turn when it had nothing
  // to wait for), before whatever the handler does after it; a handler that fails first gets `error`.
  // A report that asked for no answer (`answer` false) gets none, unless it failed.
  #decide(routingId: Buffer, id: number, decide: (reply: (decision: DecisionFields) => void) => DecisionFields | Promise<DecisionFields>, answer = true): void {
    let sent = false;
    const reply = (decision: DecisionFields): void => {
      if (sent) return;
      sent = true;
      if (answer) this.#router?.send(routingId, encodeDecision(PROTOCOL_VERSION, id, decision));
    };
    const failed = (error: unknown): void => {
      const ironError = isIronError(error) ? error : new IronError("IRON_ERR_INTERNAL", messageOf(error), { cause: error });
      if (sent) {
        this.#logger.error({ err: ironError.message, code: ironError.code }, "a decision failed after its reply was handed to the socket");
        return;
      }
      sent = true;
      this.#logger.error({ err: ironError.message, code: ironError.code }, "a decision failed");
      this.#send(routingId, { v: PROTOCOL_VERSION, type: "error", id, code: ironError.code, reason: ironError.message });
    };
    let decided: DecisionFields | Promise<DecisionFields>;
    try {
      decided = decide(reply);
    } catch (error) {
      return failed(error);
    }
    if (decided instanceof Promise) decided.then(reply, failed);
    else reply(decided);
  }

  // A well-framed but off-spec message: a bad hello is rejected; a known peer that gave an id gets `error`.
  #protocolError(key: string, routingId: Buffer, value: unknown, session: Session | undefined, error: unknown): void {
    const reason = messageOf(error);
    const path = isIronError(error) ? error.path : undefined;
    this.#throttle.warn({ agent: session?.agentId, err: reason, path }, "protocol error");
    let envelope: { type: string; id: number; obj: Record<string, unknown> } | null = null;
    try {
      envelope = parseEnvelope(value);
    } catch {
      // No usable id: nothing to answer.
    }
    if (session === undefined) {
      this.#strike(key);
      if (isIronError(error) && error.code === "IRON_ERR_VERSION" && envelope !== null) return this.#outdated(key, routingId, envelope.id, envelope.obj, error.message);
      if (envelope?.type === "hello") {
        this.#send(routingId, { v: PROTOCOL_VERSION, type: "reject", id: envelope.id, code: "IRON_ERR_PROTOCOL", reason: `bad hello: ${reason}${path === undefined ? "" : ` (${path})`}` });
      }
      return;
    }
    if (envelope !== null) this.#send(routingId, { v: PROTOCOL_VERSION, type: "error", id: envelope.id, code: "IRON_ERR_PROTOCOL", reason });
  }

  // A shim from before the challenge–response sent its token in clear: refused by name, counted per source.
  #outdated(key: string, routingId: Buffer, id: number, hello: Record<string, unknown>, reason: string): void {
    this.#throttle.warn({}, "refused a shim that sent its token in clear; if that crossed a network, treat the token as exposed");
    this.#send(routingId, { v: PROTOCOL_VERSION, type: "reject", id, code: "IRON_ERR_VERSION", reason });
    const text = (field: string, max: number): string => {
      const got = hello[field];
      return typeof got === "string" && got.length <= max ? got : "";
    };
    const pid = Number.isSafeInteger(hello.pid) ? (hello.pid as number) : 0;
    this.#tally({ code: "IRON_ERR_VERSION", reason, requested: text("agent", HELLO_LIMITS.agent), host: text("host", HELLO_LIMITS.host), pid });
    this.#sessions.delete(key);
  }

  /** Stops serving and releases the socket. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const summary of this.#refusals.flush()) this.#handlers.onReject?.(summary);
    this.#sessions.clear();
    await this.#router?.close();
    this.#router = null;
  }
}
