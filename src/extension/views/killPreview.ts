/**
 * The kill impact preview in words (issue 13 part 4), shared by the Kill Quick Pick's detail
 * line, the Copilot kill confirmation and the Jobs tree: what describeKillTargets found — the
 * processes, the ports they listen on, the owner and how long the job has run. Pure text.
 */
import type { KillTargetsDescription } from '../../core/ops/kill';
import type { PortListener } from '../../core/process/ports';
import { formatDuration } from '../../shared/duration';

/** `3000/tcp, 5353/udp`: each port once (IPv4 and IPv6 sockets on one port are one entry), in port order. */
export function portsText(ports: readonly Pick<PortListener, 'port' | 'protocol'>[]): string {
  const unique = new Map<string, [number, string]>();
  for (const p of ports) {
    const proto = p.protocol.replace(/6$/, '');
    unique.set(`${p.port}/${proto}`, [p.port, proto]);
  }
  return [...unique.entries()]
    .sort(([, a], [, b]) => a[0] - b[0] || a[1].localeCompare(b[1]))
    .map(([text]) => text)
    .join(', ');
}

/** `5 s`, `2m 5s`: a process's or a job's age. */
export const ageText = (seconds: number): string => formatDuration(seconds * 1000);

/** One line: `2 processes · ports 3000/tcp · owner agent:copilot · running 2m 5s`. */
export function killPreviewLine(desc: KillTargetsDescription): string {
  const n = desc.targets.length;
  const parts = [n === 0 ? 'no live process' : `${n} ${n === 1 ? 'process' : 'processes'}`];
  if (desc.ports.length > 0) parts.push(`${desc.ports.length === 1 ? 'port' : 'ports'} ${portsText(desc.ports)}`);
  parts.push(desc.owner !== undefined ? `owner ${desc.owner}` : 'owner not recorded');
  if (desc.running_for_s !== undefined) parts.push(`running ${ageText(desc.running_for_s)}`);
  return parts.join(' · ');
}
