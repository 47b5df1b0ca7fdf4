// Every optional node section, in the order editors list them.
import { proxmoxSection } from "./proxmox.ts";
import { sharesSection } from "./shares.ts";
import { storageSection } from "./storage.ts";
import type { Section } from "./types.ts";

export const SECTIONS: Section[] = [proxmoxSection, storageSection, sharesSection] as Section[];
