// MFA_ENCRYPTION_KEYS imported once per isolate and settings.
import type { Config } from '../config';
import { AppError } from '../errors';
import { cachedPromise } from '../lib/promise-cache';
import { importSealingKeys, type SealingKey } from './secret-box';

const imported = new WeakMap<object, Promise<SealingKey[]>>();

/** The key ring, or 503 MFA_NOT_CONFIGURED when the setting is unset. */
export function sealingKeys(config: Config): Promise<SealingKey[]> {
  const material = config.mfaEncryptionKeys;
  if (material === null) return Promise.reject(new AppError('MFA_NOT_CONFIGURED'));
  return cachedPromise(imported, material, () => importSealingKeys(material));
}
