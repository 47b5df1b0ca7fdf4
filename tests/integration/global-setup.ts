// Integration tests face real services in containers: build the fixture images once, up front
// (cached builds take well under a second; a cold build is minutes, not test time).
import { ensureImages } from "../../fixtures/lab/images.ts";
import { removeAllLabs } from "../../fixtures/lab/lab.ts";

export default async function setup(): Promise<() => Promise<void>> {
  await ensureImages();
  // Labs are torn down by their tests; this catches what a crashed run left behind.
  return async () => void (await removeAllLabs());
}
