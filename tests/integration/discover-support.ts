// Shared by the discover integration tests.
import { LAB_SECRET_FILES } from "../../fixtures/lab/declared/shares.ts";

/** The SMB passwords a draft's identities point to (HLC_SMB_PASSWORD_<NAME>), from the lab's secrets. */
export function smbPasswordEnv(): void {
  for (const [file, pw] of Object.entries(LAB_SECRET_FILES)) {
    const name = /smb-(.+)\.pw$/.exec(file)![1]!;
    process.env[`HLC_SMB_PASSWORD_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`] = pw;
  }
}
