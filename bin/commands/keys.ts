import type { Command } from 'commander';
import {
  KEYSTORE_FORMATS,
  keysCsrAction,
  keysExportAction,
  keysImportAction,
  keysInitAction,
  keysIssueAction,
  keysRevokeAction,
  keysValidateAction,
  SMKI_STATE_FILE,
} from '../../app/commands/keys.ts';
import { collect } from '../common.ts';

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('test SMKI: generate, validate, request, issue, export, import');

  keys
    .command('init')
    .description("write a full test PKI and the default premises' device credentials (DCC tools' layout)")
    .requiredOption('--out <dir>', 'directory to write')
    .option('--seed <seed>', 'seed of every key and certificate', '1')
    .option('--not-before <date>', 'notBefore of every certificate (YYYY-MM-DD)', '2025-01-01')
    .option('--force', `overwrite a directory that already holds ${SMKI_STATE_FILE}`)
    .action(keysInitAction);

  keys
    .command('validate')
    .description('validate certificates as a device does: one JSON line per certificate')
    .argument('<pem...>', 'certificate files (PEM or DER), keystore JSON files, or directories of them')
    .option('--ca <path>', 'known CA certificates (file or directory; repeatable)', collect)
    .option('--at <date>', 'also check validity periods at this date')
    .option('--strict', 'treat tolerated deviations (warnings) as failures')
    .option('--expect <kind>', 'require this kind: device, organisation or ca')
    .option(
      '--pki <dir>',
      "also consult this PKI directory's SMKI Repository for revocations (repeatable; inputs in a PKI directory consult it anyway)",
      collect,
    )
    .action(keysValidateAction);

  keys
    .command('csr')
    .description('generate a key pair and a PKCS#10 request (organisation with --role, else device)')
    .requiredOption('--eui <eui>', 'Entity Identifier (organisation) or device EUI-64')
    .requiredOption('--usage <usage>', 'ds or ka')
    .option('--role <n>', 'Remote Party Role (organisation request), e.g. 2 for a Supplier')
    .option('--name <cn>', 'optional CN of an organisation request')
    .requiredOption('--out <file>', 'PEM request to write')
    .requiredOption('--key-out <file>', 'PKCS#8 private key to write')
    .action(keysCsrAction);

  keys
    .command('issue')
    .description("submit a CSR to a PKI directory's Registration Authority; issue when every check passes")
    .requiredOption('--pki <dir>', 'PKI directory written by keys init')
    .requiredOption('--csr <file>', 'PKCS#10 request (PEM or DER)')
    .requiredOption(
      '--submitter <party>',
      'party id of the submitting Authorised Subscriber (e.g. dcc, supplier)',
    )
    .option('--as-of <date>', 'decide at this date (regulatory timeline); default: enduring')
    .option('--out <file>', 'write the certificate (PEM) here')
    .action(keysIssueAction);

  keys
    .command('revoke')
    .description("revoke a certificate in a PKI directory's repository (status R)")
    .requiredOption('--pki <dir>', 'PKI directory written by keys init')
    .requiredOption('--serial <hex>', 'certificate serial (hex)')
    .requiredOption('--by <party>', 'requesting party id (the DCC or the Subscriber)')
    .option('--reason <text>', 'revocation reason', 'unspecified')
    .option('--as-of <date>', 'decide at this date (regulatory timeline); default: enduring')
    .action(keysRevokeAction);

  keys
    .command('export')
    .description("convert keystores: DCC tools' directory, DCC Boxed keystore.json or gbcs-sim format")
    .requiredOption('--keystore <path>', 'source keystore (repeatable)', collect)
    .requiredOption('--format <format>', KEYSTORE_FORMATS.join(' | '))
    .requiredOption('--out <path>', 'directory (dcc-tools) or file to write')
    .action(keysExportAction);

  keys
    .command('import')
    .description("put every certificate of keystores into a PKI directory's SMKI Repository (status I)")
    .requiredOption('--pki <dir>', 'PKI directory written by keys init')
    .argument('<keystore...>', 'keystore directories, DCC Boxed keystore.json or gbcs-sim keystore files')
    .action(keysImportAction);
}
