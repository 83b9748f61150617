// After tsc: make the CLI entry executable (npm links it as `iron`).
import { chmodSync } from "node:fs";

chmodSync(new URL("../dist/cli/bin.js", import.meta.url), 0o755);
