// Probes for the `nextcloud` section (§2.3): where Nextcloud's datadirectory resolves (DATA-030).
import { nextcloudDatadir } from "../../probes/nextcloud-config.ts";
import type { Planner } from "./types.ts";

export const nextcloudPlanner: Planner = (node) => (node.nextcloud ? [nextcloudDatadir(node.nextcloud.config)] : []);
