// The catalogue's index (dist/catalog.json, helpers/spec/catalog-index.ts) is the catalogue the spec
// files give, never a drifted copy: its meta and its precomputed applicability equal what importing
// the specs computes, --list prints the same table from either, and a stale or foreign index is
// refused (the specs are imported instead).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { listRows } from "../../helpers/cli/list.ts";
import { applicability, renderList } from "../../helpers/cli/select.ts";
import { loadInventory } from "../../helpers/inventory/load.ts";
import { CODE_ROOT, packagePath } from "../../helpers/paths.ts";
import { loadCatalog, loadCatalogFor, SPECS_DIR, specFiles } from "../../helpers/spec/catalog.ts";
import {
  buildCatalogIndex,
  CATALOG_INDEX_FILE,
  CATALOG_SOURCE_DIRS,
  inventoryKey,
  precomputedApplicability,
  readCatalogIndex,
  specFileKey,
  type CatalogIndex,
} from "../../helpers/spec/catalog-index.ts";

const declared = await loadCatalog();
// The inventory --list reads by default, loaded from the path list.ts loads it from.
const example = loadInventory(packagePath("inventory", "example.yaml"));
/** What scripts/build-catalog.ts writes, built here from the source specs. */
const fresh: CatalogIndex = JSON.parse(JSON.stringify(buildCatalogIndex(declared, [{ inventory: example, rows: applicability(declared, example) }]))) as CatalogIndex;
const label = "inventory/example.yaml (the nodes of the built-in lab)";

describe("the catalogue's index", () => {
  it("holds every invariant's meta as the spec files declare it, every field but the fix function", () => {
    expect(fresh.invariants.map((e) => e.id)).toEqual(declared.map((d) => d.meta.id));
    for (const [i, d] of declared.entries()) {
      const { fix: _fix, ...data } = d.meta;
      expect(fresh.invariants[i], d.meta.id).toEqual(data);
    }
  });

  it("the index the build wrote (dist/catalog.json), when current, is the one the specs give now", () => {
    const built = readCatalogIndex();
    // No build, or sources edited since: --list imports the specs (next tests); nothing to compare.
    if (!built) return;
    expect(built).toEqual(fresh);
  });

  it("its applicability on the example inventory is what the specs' appliesTo/planned compute", () => {
    const rows = precomputedApplicability(fresh, example);
    expect(rows).toBeDefined();
    expect(rows).toEqual(applicability(declared, example).map((r) => ({ id: r.d.meta.id, applies: r.applies, planned: r.planned })));
  });

  it("--list prints the same table from the index as from importing the specs", async () => {
    const fast = await listRows(example, fresh);
    const slow = await listRows(example, undefined);
    expect(fast.from).toBe("index");
    expect(slow.from).toBe("specs");
    expect(renderList(fast.rows, label)).toBe(renderList(slow.rows, label));
    // And the table is that of today's code path (helpers/cli/select.ts on the loaded catalogue).
    expect(renderList(fast.rows, label)).toBe(renderList(applicability(declared, example), label));
  });

  it("another inventory is answered by the specs, not by the example's precomputed rows", async () => {
    // The example without its first node, and with a node's declaration changed: other keys.
    const fewer = { ...example, nodes: example.nodes.slice(1) };
    const changed = { ...example, nodes: example.nodes.map((n, i) => (i === 0 ? { ...n, containers: [] } : n)) };
    for (const inv of [fewer, changed]) {
      expect(inventoryKey(inv)).not.toBe(inventoryKey(example));
      expect(precomputedApplicability(fresh, inv)).toBeUndefined();
      const r = await listRows(inv, fresh);
      expect(r.from).toBe("specs");
      expect(renderList(r.rows, "x")).toBe(renderList(applicability(declared, inv), "x"));
    }
    // A value JSON would not keep (a Map) has no key: never matched.
    expect(inventoryKey({ ...example, extra: new Map() } as never)).toBeUndefined();
  });

  it("names the spec file that declares each invariant, the same from source and compiled", () => {
    expect(Object.keys(fresh.files).sort()).toEqual(declared.map((d) => d.meta.id).sort());
    for (const d of declared) expect(join(SPECS_DIR, `${fresh.files[d.meta.id]}.ts`), d.meta.id).toBe(d.file);
    expect(specFileKey(join(SPECS_DIR, "exposure", "loopback.spec.js"))).toBe("exposure/loopback.spec");
  });

  // Issue #25: a run filtered by invariant or family imports only the spec files it needs.
  describe("a filtered run's catalogue", () => {
    const scope = (invariants: string[], families: string[] = [], nodes: string[] = []) => ({ invariants, families, nodes });
    const ids = (ds: Array<{ meta: { id: string } }>) => ds.map((d) => d.meta.id);
    const selected = (sc: ReturnType<typeof scope>) => declared.filter((d) => (sc.invariants.length === 0 || sc.invariants.includes(d.meta.id)) && (sc.families.length === 0 || sc.families.includes(d.meta.family)));

    it.each([
      ["two invariants", scope(["EXPOSE-001", "DATA-003"])],
      ["a family", scope([], ["boot"])],
      ["a family and an invariant of another (nothing)", scope(["EXPOSE-001"], ["boot"])],
    ])("%s: only the files declaring them, the same invariants as the whole catalogue gives", async (_what, sc) => {
      const got = await loadCatalogFor(sc, fresh);
      const want = selected(sc);
      expect(ids(got.filter((d) => want.includes(declared.find((x) => x.meta.id === d.meta.id)!)))).toEqual(ids(want));
      expect(new Set(got.map((d) => d.file))).toEqual(new Set(want.map((d) => d.file)));
      expect(got.length).toBeLessThan(declared.length);
    });

    it("no filter by invariant or family (a --node run), or no current index: every spec file", async () => {
      expect(ids(await loadCatalogFor(scope([], [], ["vm100"]), fresh))).toEqual(ids(declared));
      expect(ids(await loadCatalogFor(scope(["EXPOSE-001"]), null))).toEqual(ids(declared));
    });

    it("an index that names the wrong file, or a file that is gone: every spec file, never a missing invariant", async () => {
      const wrongFile = { ...fresh, files: { ...fresh.files, "EXPOSE-001": fresh.files["DATA-003"]! } };
      const gone = { ...fresh, files: { ...fresh.files, "EXPOSE-001": "exposure/no-such.spec" } };
      for (const index of [wrongFile, gone]) expect(ids(await loadCatalogFor(scope(["EXPOSE-001"]), index))).toEqual(ids(declared));
    });
  });

  it("is refused when missing, of another version, or older than a source", () => {
    const dir = mkdtempSync(join(tmpdir(), "hlc-catalog-index-"));
    const src = join(dir, "code");
    mkdirSync(join(src, "specs"), { recursive: true });
    mkdirSync(join(src, "helpers", "spec"), { recursive: true });
    writeFileSync(join(src, "specs", "a.spec.ts"), "");
    writeFileSync(join(src, "helpers", "spec", "b.ts"), "");
    const file = join(dir, "catalog.json");
    expect(readCatalogIndex(file, src)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...fresh, version: 0 }));
    expect(readCatalogIndex(file, src)).toBeUndefined();
    writeFileSync(file, JSON.stringify(fresh));
    const t = Date.now() / 1000;
    for (const f of [join(src, "specs", "a.spec.ts"), join(src, "helpers", "spec", "b.ts")]) utimesSync(f, t - 60, t - 60);
    utimesSync(file, t - 30, t - 30);
    expect(readCatalogIndex(file, src)).toEqual(fresh);
    // A helper edited after the build (appliesTo may call it): stale.
    utimesSync(join(src, "helpers", "spec", "b.ts"), t, t);
    expect(readCatalogIndex(file, src)).toBeUndefined();
    writeFileSync(file, "{ not json");
    expect(readCatalogIndex(file, src)).toBeUndefined();
  });

  it("the staleness check covers every module the spec files import (specs/ and helpers/ only)", () => {
    const seen = new Set<string>();
    const walk = (f: string) => {
      if (seen.has(f)) return;
      seen.add(f);
      for (const m of readFileSync(f, "utf8").matchAll(/^\s*(?:import|export)\s[^;]*?from\s+["'](\.[^"']+)["']|^\s*import\s+["'](\.[^"']+)["']/gm)) walk(resolve(dirname(f), m[1] ?? m[2]!));
    };
    specFiles(SPECS_DIR).forEach(walk);
    expect(seen.size).toBeGreaterThan(declared.length);
    const outside = [...seen].map((f) => relative(CODE_ROOT, f)).filter((f) => !CATALOG_SOURCE_DIRS.some((d) => f.startsWith(`${d}/`)));
    expect(outside).toEqual([]);
  });

  it("the compiled command's --list (from the index when the build is current) prints today's table", async () => {
    const { execa } = await import("execa");
    if (!existsSync(packagePath("dist", "scripts", "conformance.js"))) return;
    const r = await execa(process.execPath, ["bin/homelab-conformance.js", "--list"], { cwd: packagePath(), reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + "\n").toBe(renderList(applicability(declared, example), label));
  }, 120_000);

  it("is written under dist/, where the build puts it", () => {
    expect(relative(packagePath(), CATALOG_INDEX_FILE)).toBe(join("dist", "catalog.json"));
    expect(readdirSync(packagePath())).toContain("package.json");
  });
});
