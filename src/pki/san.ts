/**
 * Subject alternative names as the user gives them: `--ip` and `--domain`, each repeatable and
 * comma-separated (etcd-ca's flags). Duplicates are dropped, order is kept.
 */
import { parseIp, type IpAddress } from './ip.js';
import { parseDnsName } from './dns.js';

export interface AltNames {
  dns: string[];
  ips: IpAddress[];
}

export function splitList(values: readonly string[] | string | undefined): string[] {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  return list
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

export function parseAltNames(domains: readonly string[], ips: readonly string[]): AltNames {
  const dns = [...new Set(domains.map(parseDnsName))];
  const seen = new Set<string>();
  const parsed: IpAddress[] = [];
  for (const ip of ips.map(parseIp)) {
    if (!seen.has(ip.text)) parsed.push(ip);
    seen.add(ip.text);
  }
  return { dns, ips: parsed };
}

export function altNamesText(names: AltNames): string[] {
  return [...names.dns.map((d) => `DNS:${d}`), ...names.ips.map((ip) => `IP:${ip.text}`)];
}
