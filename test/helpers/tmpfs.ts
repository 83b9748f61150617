// Real file-system failures for store tests: a tiny tmpfs (a disk that fills up) that can be
// remounted read-only. Needs root, as the whole suite does (it installs Debian packages).
import { execa } from "execa";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Tmpfs {
  readonly dir: string;
  readOnly(): Promise<void>;
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `kib` KiB on a fresh directory. */
export async function mountTmpfs(kib: number): Promise<Tmpfs> {
  const dir = mkdtempSync(join(tmpdir(), "iron-tmpfs-"));
  const mounted = await execa("mount", ["-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir], { reject: false });
  if (mounted.exitCode !== 0) throw new Error(`these tests need root to mount a tmpfs: ${mounted.stderr}`);
  return {
    dir,
    readOnly: async () => {
      await execa("mount", ["-o", "remount,ro", dir]);
    },
    unmount: async () => {
      await execa("umount", ["-l", dir], { reject: false });
    },
  };
}
