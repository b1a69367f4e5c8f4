/** What `gbcs-sim duis` does with its parsed flags (bin/commands/duis.ts defines the flags; DESIGN §4). */

import { readFileSync } from 'node:fs';
import { type CryptoBackendName, createCrypto } from '../../protocol/crypto/index.ts';
import { GbcsError } from '../../protocol/errors.ts';
import { isEui64 } from '../../protocol/types.ts';
import { WallClock } from '../../sim/clock.ts';
import { xmlSigningCertificate } from '../../sim/duis/certificates.ts';
import { EXAMPLES, exampleRequest } from '../../sim/duis/examples.ts';
import { euiOfDuis } from '../../sim/duis/request-id.ts';
import type { XmlSigningKey } from '../../sim/duis/xmldsig.ts';
import { DEFAULT_PREMISES } from '../../sim/premises/premises.ts';
import { loadKeystores } from '../../sim/store/keystore-files.ts';
import { defaultStateDir, memoryState, openStateDir, type ServedState } from '../../sim/store/state-dir.ts';
import { out, UsageError, warnKeystore } from '../cli-io.ts';
import {
  type DuisConfigError,
  keystoreSigningKey,
  parseUserRoles,
  readCertificateFile,
  readPrivateKeyFile,
  startDuisServe,
} from '../duis/duis.ts';
import { duisSend } from '../duis/send.ts';

export interface ServeFlags {
  port: string;
  host: string;
  keystore?: string[];
  dspCert?: string;
  dspKey?: string;
  xsd?: string;
  device?: string[];
  user?: string[];
  maxBody?: string;
  premises?: string;
  seed: string;
  callback?: string;
  db?: string;
  state?: string;
  ephemeral?: boolean;
  json?: boolean;
  crypto: CryptoBackendName;
}

export const eui = (flag: string, v: string): string => {
  const e = isEui64(v.toLowerCase()) ? v.toLowerCase() : euiOfDuis(v);
  if (!e) throw new UsageError(`${flag} ${v}: not an EUI-64 (16 hex digits or 8 dash-separated octets)`);
  return e;
};

export const duisServeAction = async (o: ServeFlags) => {
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port: 0..65535');
  const maxBody = o.maxBody === undefined ? undefined : Number(o.maxBody);
  if (maxBody !== undefined && !(Number.isInteger(maxBody) && maxBody > 0))
    throw new UsageError('--max-body: a positive number of bytes');
  if (!o.keystore?.length) throw new UsageError('--keystore: give the XML-signing certificates to trust');
  const premises = o.premises === undefined ? undefined : Number(o.premises);
  if (premises !== undefined && !(Number.isInteger(premises) && premises >= 1 && premises <= 1_000_000))
    throw new UsageError('--premises: 1…1000000');
  if (premises !== undefined && o.device?.length)
    throw new UsageError('--device and --premises: the premises are the devices');
  if ((o.callback || o.db) && premises === undefined)
    throw new UsageError('--callback and --db need --premises (the stand-in sends nothing)');
  if ((o.state !== undefined || o.ephemeral) && premises === undefined)
    throw new UsageError('--state and --ephemeral need --premises (the stand-in has no devices)');
  if (o.state !== undefined && o.ephemeral)
    throw new UsageError('--state and --ephemeral exclude each other');
  if (o.callback) {
    let u: URL | null = null;
    try {
      u = new URL(o.callback);
    } catch {}
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
      throw new UsageError(`--callback ${o.callback}: an http(s) URL`);
  }
  const keystore = loadKeystores(o.keystore);
  warnKeystore(keystore);
  const devices = o.device?.length
    ? o.device.map((d) => eui('--device', d))
    : Object.values(DEFAULT_PREMISES);
  // Durable device state (issue 8: every command that serves devices keeps it), locked while it runs.
  const state: ServedState | undefined =
    premises === undefined
      ? undefined
      : o.ephemeral
        ? memoryState()
        : openStateDir(o.state ?? defaultStateDir(o.seed, process.cwd(), 'duis'), {
            kind: 'duis',
            seed: o.seed,
            premises,
          });
  let started: Awaited<ReturnType<typeof startDuisServe>>;
  try {
    started = await startDuisServe({
      keystore,
      clock: new WallClock(),
      crypto: createCrypto(o.crypto),
      port,
      host: o.host,
      devices,
      ...(premises === undefined
        ? {}
        : {
            premises: {
              count: premises,
              seed: o.seed,
              ...(o.db ? { db: o.db } : {}),
              ...(o.callback ? { callback: o.callback } : {}),
              ...(state ? { devices: state.devices } : {}),
            },
            onDelivery: (e) => {
              const line = {
                delivery: e.kind,
                id: e.entry.id,
                kind: e.entry.kind,
                requestId: e.entry.requestId,
                attempts: e.entry.attempts + 1,
                detail: e.detail,
              };
              if (o.json) out(JSON.stringify(line));
              else
                process.stderr.write(
                  `gbcs-sim: duis callback ${e.kind} ${e.entry.kind} ${e.entry.requestId ?? ''} (attempt ${line.attempts}) ${e.detail}\n`,
                );
            },
          }),
      ...(o.xsd ? { xsdDir: o.xsd } : {}),
      ...(o.dspCert || o.dspKey ? { dspFiles: { certificate: o.dspCert, privateKey: o.dspKey } } : {}),
      ...(o.user?.length ? { users: parseUserRoles(o.user) } : {}),
      ...(maxBody === undefined ? {} : { maxBodyBytes: maxBody }),
      onAnswer: (path, a) => {
        const line = {
          path,
          status: a.status,
          requestId: a.requestId,
          responseCode: a.responseCode,
          refusal: a.refusal,
          detail: a.detail,
        };
        if (o.json) out(JSON.stringify(line));
        else
          process.stderr.write(
            `gbcs-sim: duis ${path} ${a.status} ${a.responseCode ?? a.refusal ?? ''} ${a.requestId ?? ''} ${a.detail}\n`,
          );
      },
    });
  } catch (e) {
    state?.close();
    if (e instanceof GbcsError && e.code === 'DUIS_CONFIG')
      throw new UsageError((e as DuisConfigError).message);
    if (e instanceof GbcsError && e.code.startsWith('DB_')) throw new UsageError(`--db: ${e.message}`);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use on ${o.host}`);
    if (err.code === 'EACCES') throw new UsageError(`port ${port}: permission denied`);
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EADDRNOTAVAIL')
      throw new UsageError(`--host ${o.host}: not an address of this machine`);
    throw e;
  }
  process.stderr.write(
    `gbcs-sim: DUIS service on ${started.http.url} (${started.certificates} XML-signing certificates, DSP ${started.dsp.serial}, ${started.xsd ? 'XSD' : 'structure'} validation, ${premises === undefined ? `${devices.length} devices` : `${premises} premises on the test keys of seed ${o.seed}${o.callback ? `, callback ${o.callback}` : ', no callback: responses wait in the outbox'}${o.db ? `, outbox in ${o.db}` : ''}, ${started.premises!.outbox.pending()} waiting, device state ${state?.dir ?? 'in memory'}`})\n`,
  );
  out(
    JSON.stringify({
      url: started.http.url,
      certificates: started.certificates,
      xsd: started.xsd,
      ...(premises === undefined
        ? {}
        : { premises, pending: started.premises!.outbox.pending(), state: state?.dir ?? null }),
    }),
  );
  const stop = () => {
    void started.close().then(() => {
      state?.close();
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

export interface SendFlags {
  example?: string[];
  to: string;
  keystore?: string[];
  signWith?: string;
  cert?: string;
  dspCert?: string;
  originator: string;
  target?: string;
  seed: string;
  wait?: boolean;
  listen: string;
  timeout: string;
  crypto: CryptoBackendName;
}

/** `duis send`: exit 0 only when every answer (and with --wait every asynchronous response) arrived and verified. */
export const duisSendAction = async (files: string[], o: SendFlags) => {
  if (files.length > 0 && o.example?.length) throw new UsageError('give FILE… or --example, not both');
  if (files.length === 0 && !o.example?.length) throw new UsageError('give FILE… or --example USECASE');
  const originator = eui('--originator', o.originator);
  const target = o.target === undefined ? undefined : eui('--target', o.target);
  const timeout = Number(o.timeout);
  if (!(timeout > 0)) throw new UsageError('--timeout: seconds > 0');
  const [host, portText] = o.listen.includes(':') ? o.listen.split(/:(?=\d+$)/) : ['127.0.0.1', o.listen];
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--listen: [HOST:]PORT');
  const requests: Array<{ label: string; xml: string }> = [];
  const base = BigInt(Date.now());
  for (const [i, uc] of (o.example ?? []).entries()) {
    const xml = exampleRequest(uc, { originator, counter: base + BigInt(i), ...(target ? { target } : {}) });
    if (!xml) throw new UsageError(`--example ${uc}: one of ${Object.keys(EXAMPLES).join(', ')}`);
    requests.push({ label: `example:${uc}`, xml });
  }
  for (const f of files) {
    try {
      requests.push({ label: f, xml: readFileSync(f, 'utf8') });
    } catch (e) {
      throw new UsageError(`${f}: ${(e as Error).message}`);
    }
  }
  const crypto = createCrypto(o.crypto);
  let signer: XmlSigningKey;
  let dspPublicKey: Uint8Array;
  try {
    const keystore = o.keystore?.length ? loadKeystores(o.keystore) : undefined;
    if (o.signWith || o.cert) {
      if (!o.signWith || !o.cert) throw new UsageError('--sign-with and --cert go together');
      const c = readCertificateFile(o.cert);
      signer = { privateKey: readPrivateKeyFile(o.signWith), issuerName: c.issuerName, serial: c.serial };
    } else {
      const origin = requestOriginator(requests[0]!.xml) ?? originator;
      const k = keystore ? keystoreSigningKey(keystore, 'user', origin) : null;
      if (!k)
        throw new UsageError(
          `no XML-signing key of ${origin} in --keystore: give --keystore or --sign-with KEY --cert CERT`,
        );
      signer = k.key;
    }
    if (o.dspCert) dspPublicKey = readCertificateFile(o.dspCert).publicKey;
    else {
      const dsp = keystore?.entries
        .map((e) => (e.certificate ? xmlSigningCertificate(e.certificate) : null))
        .find((c) => c?.party === 'dsp');
      if (!dsp) throw new UsageError('no DSP XML-signing certificate (OU 89): give --keystore or --dsp-cert');
      dspPublicKey = dsp.publicKey;
    }
  } catch (e) {
    if (e instanceof GbcsError && e.code === 'DUIS_CONFIG') throw new UsageError(e.message);
    throw e;
  }
  let results: Awaited<ReturnType<typeof duisSend>>;
  try {
    results = await duisSend(requests, {
      to: o.to,
      signer,
      dspPublicKey,
      crypto,
      seed: o.seed,
      ...(o.wait ? { wait: { host: host!, port, timeoutMs: timeout * 1000 } } : {}),
      print: (l) => out(JSON.stringify(l)),
    });
  } catch (e) {
    const c =
      (e as { cause?: { code?: string }; code?: string }).cause?.code ?? (e as { code?: string }).code;
    if (c === 'EADDRINUSE') throw new UsageError(`--listen ${o.listen}: already in use`);
    process.stderr.write(`gbcs-sim: cannot reach ${o.to}: ${c ?? (e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  if (!results.every((r) => r.ok)) process.exitCode = 1;
};

const requestOriginator = (xml: string): string | null => {
  const id = /<(?:\w+:)?RequestID>([^<]+)</.exec(xml)?.[1];
  return id ? (euiOfDuis(id.split(':')[0] ?? '') ?? null) : null;
};
