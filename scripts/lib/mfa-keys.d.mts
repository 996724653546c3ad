export function generateMfaEncryptionKey(now?: Date): string;
