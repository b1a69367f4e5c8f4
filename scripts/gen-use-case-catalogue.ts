/**
 * Development tool (not shipped behaviour): regenerates protocol/use-case-catalogue.data.ts, the
 * table of GBCS Message Codes, from the facts in ../shared/vectors (GBCS use-case table, DUIS
 * eligible roles, and what RTDS 4.5.0 shows). Run: node --import tsx scripts/gen-use-case-catalogue.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';

const shared = new URL('../../shared/vectors/', import.meta.url);
const cat = JSON.parse(readFileSync(new URL('gbcs-use-case-catalogue.json', shared), 'utf8')).rows as any[];
const duis = JSON.parse(readFileSync(new URL('smartdcc-duis-parser.json', shared), 'utf8')).duisRequestMatrix
  .rows as any[];

const rtds = JSON.parse(readFileSync(new URL('rtds-4.5.0.messages.json', shared), 'utf8')).messages as any[];
const responseDateTime = new Map<number, boolean>();
for (const m of rtds) {
  const h = m.expected.header;
  if (m.role === 'RESPONSE') responseDateTime.set(Number.parseInt(h.messageCode, 16), h.dateTime !== null);
}
const roleOfEui: Record<string, number> = {
  '90b3d51f30000001': 1,
  '90b3d51f30000002': 4,
  '90b3d51f30000004': 5,
  '90b3d51f30000007': 6,
  '90b3d51f30010000': 2,
  '90b3d51f30030000': 2,
  '90b3d51f30020000': 3,
  '90b3d51f30010008': 8,
};
const duisRole: Record<string, number[]> = { IS: [2], GS: [2], ES: [2], ED: [3], GT: [3], OU: [4], RSA: [4] };
const rolesBySr = new Map<string, Set<number>>();
for (const r of duis) {
  const s = rolesBySr.get(r['Service Reference']) ?? new Set<number>();
  for (const u of r['Eligible User Roles'] as string[]) for (const x of duisRole[u] ?? []) s.add(x);
  rolesBySr.set(r['Service Reference'], s);
}
const dev = (d: string) => (d.startsWith('ESME') ? 'ESME' : d);
// CS02b modes run on every device type that holds the cells they replace (reference
// smki-recovery-ch-domain.md §2.5 cell matrix, §2.6 mode table), not only on the device RTDS
// happens to show: the SMKI Recovery Procedure and the DCC's credential flows reach GSMEs, GPFs and
// CHFs too.
const CS02B_DEVICES: Record<number, string[]> = {
  258: ['ESME', 'GSME', 'GPF'],
  259: ['ESME', 'GPF'],
  260: ['ESME', 'GSME', 'GPF', 'CHF'],
  261: ['CHF'],
  262: ['ESME', 'GSME', 'GPF'],
  263: ['ESME', 'GSME', 'GPF'],
  264: ['ESME', 'GSME', 'GPF', 'CHF'],
  265: ['ESME', 'GSME', 'GPF', 'CHF'],
};
const lines: string[] = [];
for (const r of cat) {
  const o = r.rtdsObserved ?? {};
  const code = Number.parseInt(r.messageCode, 16);
  const fullTitle = String(r.titleGbcsParser ?? r.titleFromRtdsDirectory ?? r.useCaseHtml?.[0] ?? '').replace(
    /\s*\(name from RTDS dir.*$/,
    '',
  );
  // A use-case id looks like ECS04b, GCS60a, CS02b, DBCH01, GCA; titles of alerts have none.
  const idLike = /^(?:[A-Z]{1,5}\d[\w-]*|GCA|GNCA|FDRA|MIIWA)$/.test(String(r.useCase ?? ''));
  const useCaseId = idLike ? String(r.useCase) : '';
  const title = idLike ? fullTitle.replace(/^\S+\s+/, '') : fullTitle;
  const han = r.remotePartyOrHan === 'HAN Only Message';
  const t = String(r.gbcsMessageType ?? '');
  const alert =
    t.startsWith('SME.A') ||
    ((o.alertProtection ?? []).length > 0 && (o.commandProtection ?? []).length === 0);
  const cp: string[] = o.commandProtection ?? [];
  const rp: string[] = o.responseProtection ?? [];
  const ap: string[] = o.alertProtection ?? [];
  const signedAlways = cp.length > 0 && cp.every((p) => p.includes('SIG'));
  const signedSometimes = cp.some((p) => p.includes('SIG'));
  // anyByContingency (0x0109) is signed with the Contingency key (GBCS 12.x); RTDS shows no command.
  const critical =
    code === 0x0109 || t === 'SME.C.C' || t === 'SME.A.C' || signedAlways || (alert && ap.includes('+SIG'));
  const commandSignature =
    code === 0x0109
      ? 'required'
      : alert
        ? 'none'
        : signedAlways || t === 'SME.C.C'
          ? 'required'
          : signedSometimes
            ? 'optional'
            : 'none';
  const commandMac = alert
    ? 'none'
    : cp.length === 0
      ? code === 0x0109
        ? 'none'
        : 'required'
      : cp.every((p) => p.includes('MAC'))
        ? 'required'
        : cp.some((p) => p.includes('MAC'))
          ? 'optional'
          : 'none';
  const responseSigned =
    rp.length === 0
      ? critical
        ? 'yes'
        : 'no'
      : rp.every((p) => p.includes('SIG'))
        ? 'yes'
        : rp.some((p) => p.includes('SIG'))
          ? 'if-command-signed'
          : 'no';
  const roles = new Set<number>();
  for (const e of o.originators ?? []) if (roleOfEui[e] !== undefined) roles.add(roleOfEui[e]);
  if (!alert) for (const x of rolesBySr.get(r.serviceReference) ?? []) roles.add(x);
  const enc = [...(o.commandPayloadEncoding ?? []), ...(o.alertPayloadEncoding ?? [])][0] as
    | string
    | undefined;
  const encoding =
    enc === undefined
      ? null
      : enc.startsWith('DLMS')
        ? 'dlms'
        : enc.startsWith('GBZ') || enc.startsWith('ZigBee')
          ? 'gbz'
          : 'asn1';
  const devices = CS02B_DEVICES[code] ?? [...new Set<string>((o.device ?? []).map(dev))];
  lines.push(
    `  [0x${code.toString(16).padStart(4, '0')}, ${JSON.stringify(useCaseId)}, ${JSON.stringify(title)}, ${JSON.stringify(alert ? (critical ? 'alert-critical' : 'alert') : critical ? 'critical' : 'non-critical')}, ${JSON.stringify(commandSignature)}, ${JSON.stringify(commandMac)}, ${JSON.stringify(responseSigned)}, ${JSON.stringify(devices)}, ${JSON.stringify([...roles].sort())}, ${JSON.stringify(encoding)}, ${responseDateTime.get(code) ?? false}, ${han}],`,
  );
}
writeFileSync(
  new URL('../protocol/use-case-catalogue.data.ts', import.meta.url),
  `// Generated by scripts/gen-use-case-catalogue.ts: GBCS Message Codes (GBCS Table 13.3 family),
// their use case, criticality, protection, target device types and the Remote Party Roles that
// may originate them. Facts of the GBCS and DUIS specifications as RTDS 4.5.0 exercises them.
// prettier-ignore
export const USE_CASE_ROWS = [
${lines.join('\n')}
] as const;
`,
);
console.log(`${lines.length} rows`);
