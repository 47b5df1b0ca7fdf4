// Every optional node section, in the order editors list them.
import { alertingSection } from "./alerting.ts";
import { backupsSection } from "./backups.ts";
import { capacitySection } from "./capacity.ts";
import { containersSection } from "./containers.ts";
import { gpuSection } from "./gpu.ts";
import { identitiesSection } from "./identities.ts";
import { localMountsSection } from "./local-mounts.ts";
import { mountsSection } from "./mounts.ts";
import { nextcloudSection } from "./nextcloud.ts";
import { proxmoxSection } from "./proxmox.ts";
import { reachabilitySection } from "./reachability.ts";
import { repoCopiesSection } from "./repo-copies.ts";
import { rebootSection } from "./reboot.ts";
import { routerSection } from "./router.ts";
import { sharesSection } from "./shares.ts";
import { storageSection } from "./storage.ts";
import { tailnetSection } from "./tailnet.ts";
import { tunnelsSection } from "./tunnels.ts";
import type { Section } from "./types.ts";
import { unitsSection } from "./units.ts";

export const SECTIONS: Section[] = [proxmoxSection, storageSection, sharesSection, mountsSection, localMountsSection, containersSection, backupsSection, identitiesSection, reachabilitySection, rebootSection, routerSection, nextcloudSection, gpuSection, tailnetSection, capacitySection, unitsSection, tunnelsSection, alertingSection, repoCopiesSection] as Section[];
