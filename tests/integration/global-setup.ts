// Integration tests face real services in containers: build the fixture images once, up front
// (cached builds take well under a second; a cold build is minutes, not test time).
// Each test file stops its own lab; other labs on the machine are left alone.
import { ensureImages } from "../../fixtures/lab/images.ts";

export default async function setup(): Promise<void> {
  await ensureImages();
}
