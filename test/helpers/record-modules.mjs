// Preload (`node --import`) that records every ES module the process loads, and at exit writes
// their URLs (one a line) to $IRON_TEST_MODULES_OUT: tests see what a command line loaded.
import { writeFileSync } from "node:fs";
import { register } from "node:module";

const loaded = [];
const channel = new MessageChannel();
channel.port1.on("message", (url) => loaded.push(url));
channel.port1.unref();
const hooks = `let port; export function initialize(data) { port = data.port; } export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: channel.port2 }, transferList: [channel.port2] });
process.once("exit", () => writeFileSync(process.env.IRON_TEST_MODULES_OUT, loaded.join("\n")));
