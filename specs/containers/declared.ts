// Pairs each container the inventory declares on a node with what `docker inspect` says of it.
import type { NodeDecl } from "../../helpers/inventory/types.ts";
import type { ContainerDecl } from "../../helpers/inventory/sections/containers.ts";
import type { ContainerInfo } from "../../helpers/probes/containers.ts";

/** `c` is undefined when the node has no such container. */
export function declaredContainers(node: NodeDecl, found: ContainerInfo[]): Array<{ decl: ContainerDecl; c: ContainerInfo | undefined }> {
  return (node.containers ?? []).map((decl) => ({ decl, c: found.find((x) => x.name === decl.name) }));
}
