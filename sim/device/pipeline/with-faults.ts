/**
 * Fault injection as a decorator around the pipeline's stages (sim/device/faults.ts holds the rules,
 * in the device state): a `response-payload` rule replaces what the model would answer (the model
 * does not run), `corrupt-mac` flips the last byte of a copy of the protected response, `drop` and
 * `delay` mark the outcome. Payload-level faults (`dlms-results`, `sentinel`, …) are answered by
 * the models themselves through `ExecutionContext.fault`.
 */
import { fromHex } from '../../../protocol/bytes.ts';
import type { Stages } from '../core.ts';
import { faultFor } from '../faults.ts';

export function withFaults(inner: Stages): Stages {
  return {
    execute(dev, command, alerts) {
      const override = faultFor(dev.state.faults, command.header.messageCode, 'response-payload');
      return override ? fromHex(override.payload) : inner.execute(dev, command, alerts);
    },
    protect(dev, header, payload, sign) {
      const response = inner.protect(dev, header, payload, sign);
      if (!faultFor(dev.state.faults, header.messageCode, 'corrupt-mac')) return response;
      const corrupted = response.slice();
      corrupted[corrupted.length - 1]! ^= 0x01;
      return corrupted;
    },
    finish(dev, outcome) {
      const code = outcome.message.apdu.header.messageCode;
      const delay = faultFor(dev.state.faults, code, 'delay');
      const { alerts, ...rest } = outcome;
      return inner.finish(dev, {
        ...rest,
        ...(faultFor(dev.state.faults, code, 'drop') ? { dropped: true } : {}),
        ...(delay ? { delayMs: delay.ms } : {}),
        ...(alerts ? { alerts } : {}),
      });
    },
  };
}
