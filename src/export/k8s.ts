/**
 * Kubernetes Secrets for `ca export --format k8s`, as `kubectl create secret tls NAME --cert --key`
 * makes them: type kubernetes.io/tls with `tls.crt` and `tls.key`, plus `ca.crt` (the key
 * cert-manager and ingress controllers read the trust anchor from). The YAML is written here: its
 * shape is fixed and every value is a validated name or base64, so nothing needs quoting.
 */
import { usageError } from '../error.js';

/** RFC 1123 label: what a namespace must be (Kubernetes "DNS label names"). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain, at most 253 characters: what a Secret's name must be. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validateNamespace(ns: string): string {
  if (!DNS_LABEL.test(ns)) throw usageError(`invalid --namespace ${JSON.stringify(ns)}`, 'a Kubernetes namespace is 1-63 lower-case letters, digits and "-", starting and ending with a letter or digit');
  return ns;
}

/**
 * A Secret's name: as given, or made from a store name (lower case, "_" as "-"), as Kubernetes
 * accepts it.
 */
export function secretName(given: string | undefined, storeName: string): string {
  const name = given ?? storeName.toLowerCase().replace(/_/g, '-');
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw usageError(
      `${JSON.stringify(name)} is not a valid Kubernetes Secret name`,
      'give --secret-name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
    );
  }
  return name;
}

export interface SecretSpec {
  name: string;
  namespace?: string | undefined;
  /** `kubernetes.io/tls` */
  type: string;
  /** key → bytes, in order */
  data: [string, Buffer][];
}

export function kubernetesSecret(s: SecretSpec): string {
  const lines = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${s.name}`,
    ...(s.namespace ? [`  namespace: ${s.namespace}`] : []),
    '  labels:',
    '    app.kubernetes.io/managed-by: clusterca',
    `type: ${s.type}`,
    'data:',
    ...s.data.map(([key, value]) => `  ${key}: ${value.toString('base64')}`),
  ];
  return `${lines.join('\n')}\n`;
}
