// Who a monitoring target really is (MON-003): the host name node-exporter reports about its own
// host, against the host name the node itself reports over its own connection.
//
// node-exporter's uname collector (collector/uname_linux.go, prometheus/node_exporter) calls
// uname(2) (unix.Uname) on every scrape and exports `node_uname_info` = 1 with the utsname fields as
// labels: sysname, release, version, machine, nodename, domainname. `nodename` is the kernel's host
// name of the exporter's UTS namespace — exactly what `uname -n` prints on the node (coreutils
// uname -n is the same syscall's nodename), so both sides are the same field of the same syscall
// and are compared as exact strings. A Proxmox LXC has its own UTS namespace: its exporter reports
// the container's host name, as `uname -n` run in it (over SSH or `pct exec`) does.
//
// Not used as an identity: `node_dmi_info` (the dmi collector reads /sys/class/dmi/id: every LXC on
// one host, and every container of the lab, reports the host's board and product UUID), and
// /etc/machine-id (node-exporter exports none; only a textfile written for it would).
import { instantQueryCommand, parseInstantVector } from "./prometheus.ts";
import { ProbeParseError, type Probe } from "./types.ts";

export const NODENAME_PROBE = "uname-nodename";

/** The node's own host name as uname(2) reports it: what its node-exporter puts in node_uname_info{nodename}. */
export const nodename: Probe<string> = {
  name: NODENAME_PROBE,
  command: "uname -n",
  parse({ stdout, stderr, code }) {
    if (code !== 0) throw new ProbeParseError(NODENAME_PROBE, `uname -n failed (exit ${code}): ${stderr.trim()}`);
    const lines = stdout.split("\n").filter((l) => l !== "");
    if (lines.length !== 1 || lines[0]!.trim() === "") throw new ProbeParseError(NODENAME_PROBE, `expected one host name, got ${JSON.stringify(stdout.slice(0, 120))}`);
    return lines[0]!;
  },
};

/** One current node_uname_info series: the target it came from and what its exporter says of its host. */
export interface ExporterIdentity {
  /** The value of the node label on the series (the target's claim). */
  node: string;
  job: string;
  instance: string;
  /** uname(2) nodename of the exporter's host. */
  nodename: string;
}

export const EXPORTER_IDENTITIES = "prometheus-uname-info";

/** The PromQL: every current node_uname_info series that carries the node label. */
export const unameQuery = (label: string): string => `node_uname_info{${label}!=""}`;

/**
 * An instant query of `node_uname_info{<label>!=""}` on the monitoring node. An instant query
 * returns only series with a sample in the last 5 minutes that is not a staleness marker
 * (Prometheus querying basics, "Staleness"): a target that is down, or whose exporter runs with
 * --no-collector.uname, has no series here.
 */
export function exporterIdentities(baseUrl: string, label: string): Probe<ExporterIdentity[]> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(label)) throw new Error(`exporterIdentities: bad label name ${JSON.stringify(label)}`);
  return {
    name: EXPORTER_IDENTITIES,
    command: instantQueryCommand(baseUrl, unameQuery(label)),
    parse: ({ stdout, stderr, code }) => parseExporterIdentities(label, stdout, stderr, code),
  };
}

export function parseExporterIdentities(label: string, stdout: string, stderr: string, code: number | null): ExporterIdentity[] {
  const samples = parseInstantVector(EXPORTER_IDENTITIES, stdout, stderr, code);
  return samples.map((raw) => {
    const m = (raw as { metric?: Record<string, string> }).metric;
    const node = m?.[label];
    if (typeof node !== "string" || typeof m?.nodename !== "string") {
      throw new ProbeParseError(EXPORTER_IDENTITIES, `malformed sample: ${JSON.stringify(raw).slice(0, 160)}`);
    }
    return { node, job: m.job ?? "", instance: m.instance ?? "", nodename: m.nodename };
  });
}
