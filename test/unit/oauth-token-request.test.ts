// The generic OIDC token request's client authentication: chosen from discovery, and Basic
// credentials form-encoded as RFC 6749 §2.3.1 requires.
import { describe, expect, it } from 'vitest';
import { basicCredentials, clientAuthMethod } from '../../src/auth/oauth/token-request';

describe('clientAuthMethod', () => {
  it('uses Basic when offered, POST when only POST is, and Basic by default', () => {
    expect(clientAuthMethod(['client_secret_basic', 'client_secret_post'])).toBe('client_secret_basic');
    expect(clientAuthMethod(['client_secret_post', 'private_key_jwt'])).toBe('client_secret_post');
    expect(clientAuthMethod(undefined)).toBe('client_secret_basic');
    expect(clientAuthMethod(['none'])).toBe('client_secret_basic');
    expect(clientAuthMethod('client_secret_post')).toBe('client_secret_basic');
  });
});

describe('basicCredentials', () => {
  it('form-encodes the id and the secret before base64 (RFC 6749 §2.3.1)', () => {
    const header = basicCredentials('my client', 'a+b/c=d%e:f');
    expect(header.startsWith('Basic ')).toBe(true);
    expect(atob(header.slice('Basic '.length))).toBe('my+client:a%2Bb%2Fc%3Dd%25e%3Af');
  });

  it('encodes as an HTML form does: letters, digits and -_. stay, the rest is escaped', () => {
    expect(atob(basicCredentials('abc-123_.~', 'XYZ').slice(6))).toBe('abc-123_.%7E:XYZ');
  });
});
