// `iron tls rotate`: replace the certificate tls:// listeners present with a new one and print its
// fingerprint, for agents to pin (IRON_TLS_FINGERPRINT) once iron serve restarts with it.
import type { Command } from "commander";
import { dirname, resolve } from "node:path";
import { defaultSecretPath } from "../../store/install-secret.js";
import { rotateTlsCertificate } from "../../transport/tls-certificate.js";

interface RotateFlags {
  readonly dir?: string;
  readonly json?: boolean;
}

/** Registers `iron tls` and its `rotate` subcommand. */
export function registerTls(program: Command): void {
  const tls = program.command("tls").description("manage the certificate iron serve --listen tls:// presents");
  tls
    .command("rotate")
    .description("make a new certificate and key in place of the old ones and print the new fingerprint (restart iron serve to use it)")
    .option("--dir <dir>", `where the certificate is kept (default ${dirname(defaultSecretPath())})`)
    .option("--json", "print {cert_file, fingerprint, previous_fingerprint} as JSON")
    .action((flags: RotateFlags) => {
      const dir = resolve(flags.dir ?? dirname(defaultSecretPath()));
      const { previous, current } = rotateTlsCertificate(dir);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ cert_file: current.certFile, fingerprint: current.fingerprint, previous_fingerprint: previous }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`new certificate ${current.certFile}\n  sha256 ${current.fingerprint}\n`);
      if (previous !== null) process.stdout.write(`  replaces sha256 ${previous}\n`);
      process.stdout.write("restart iron serve to present it; agents pin the new one with IRON_TLS_FINGERPRINT (the old pin is refused from then on)\n");
    });
}
