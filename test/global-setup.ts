// Builds dist/ once before the suite: e2e tests run the real `iron` binary.
import { execFileSync } from "node:child_process";

export default function setup(): void {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: new URL("..", import.meta.url), stdio: "inherit" });
}
