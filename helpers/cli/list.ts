// `homelab-conformance --list` (and `list`): every invariant and the nodes of the inventory it
// applies to, connecting to nothing. Kept apart from run.ts so that it imports only what the table
// needs: the inventory loader and the catalogue's index (helpers/spec/catalog-index.ts, written at
// build time). The spec files are imported only when the index cannot answer: missing or older than
// the sources, or an inventory other than the one it precomputed (their appliesTo is code).
import { join, isAbsolute, resolve } from "node:path";
import { EXIT, UsageError, type CliArgs } from "./args.ts";
import { applyOptIns } from "./opt-ins.ts";
import { indexRows, renderList, type ListRow } from "./select.ts";
import { InventoryError, loadInventory } from "../inventory/load.ts";
import type { Inventory } from "../inventory/types.ts";
import { precomputedApplicability, readCatalogIndex, type CatalogIndex } from "../spec/catalog-index.ts";

/**
 * --list's rows for `inventory`: from the index when it holds this inventory's answer, else from the
 * spec files themselves (the same table either way: tests/unit/catalog-index.test.ts).
 */
export async function listRows(inventory: Inventory, index: CatalogIndex | undefined): Promise<{ rows: ListRow[]; from: "index" | "specs" }> {
  const pre = index ? precomputedApplicability(index, inventory) : undefined;
  if (index && pre) return { rows: indexRows(index.invariants, pre), from: "index" };
  const [{ loadCatalog }, { applicability }] = await Promise.all([import("../spec/catalog.ts"), import("./select.ts")]);
  return { rows: applicability(await loadCatalog(), inventory), from: "specs" };
}

export async function list(args: CliArgs, where: { root: string; caller: string }): Promise<number> {
  const userPath = (p: string) => (isAbsolute(p) ? p : resolve(where.caller, p));
  function usage(message: string): never {
    console.error(`homelab-conformance: ${message}\n(--help for usage)`);
    process.exit(EXIT.usage);
  }
  const inventoryArg = args.inventory ? userPath(args.inventory) : undefined;
  // The same checks of the options as a run makes before it answers --list (exit 2).
  try {
    applyOptIns({ ...args, ...(args.hostLimits ? { hostLimits: userPath(args.hostLimits) } : {}) }, inventoryArg, where.root);
  } catch (e) {
    if (e instanceof UsageError) usage(e.message);
    throw e;
  }
  // Without --inventory the lab is the target; its nodes are those of inventory/example.yaml.
  const file = inventoryArg ?? join(where.root, "inventory", "example.yaml");
  let inventory: Inventory;
  try {
    inventory = loadInventory(file);
  } catch (e) {
    if (e instanceof InventoryError) {
      console.error(e.message);
      process.exit(EXIT.usage);
    }
    usage(`cannot read the inventory ${file}: ${(e as Error).message}`);
  }
  const { rows } = await listRows(inventory, readCatalogIndex());
  process.stdout.write(renderList(rows, inventoryArg ?? "inventory/example.yaml (the nodes of the built-in lab)"));
  return EXIT.conformant;
}
