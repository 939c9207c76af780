import { describe, expect, it } from 'vitest';
import { resolveRegistryOptions } from '../../../src/formats/registry/options.js';

describe('the options of a schema registry client', () => {
  it('takes a base URL with or without a trailing slash, and a 10 s timeout by default', () => {
    expect(resolveRegistryOptions({ url: 'http://127.0.0.1:8080/apis/ccompat/v7/' })).toEqual({
      url: 'http://127.0.0.1:8080/apis/ccompat/v7',
      timeoutMs: 10_000,
    });
    expect(resolveRegistryOptions({ url: 'https://registry.example', timeoutMs: 500 }).url).toBe(
      'https://registry.example',
    );
  });

  it('turns username and password into a basic authorization header', () => {
    const { authorization } = resolveRegistryOptions({
      url: 'http://127.0.0.1:8081',
      username: 'key',
      password: 'secret',
    });
    expect(authorization).toBe(`Basic ${Buffer.from('key:secret').toString('base64')}`);
  });

  it('refuses, naming the field and the fix, what no request could use', () => {
    const refusal = (options: Parameters<typeof resolveRegistryOptions>[0]) => {
      try {
        resolveRegistryOptions(options);
      } catch (error) {
        return error as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    expect(refusal({ url: 'registry:8081' })).toMatchObject({
      code: 'TRB_FORMAT_BAD_CONFIG',
      message: expect.stringMatching(/^schema registry: url: "registry:8081" is not an http/),
    });
    expect(refusal({ url: 'not a url' }).message).toMatch(
      /is not a URL; give e\.g\. http:\/\/127\.0\.0\.1:8081/,
    );
    // Credentials in the URL would end up in every error message.
    expect(refusal({ url: 'http://key:secret@host:8081' }).message).toMatch(
      /has credentials in it: give username and password/,
    );
    expect(refusal({ url: 'http://host:8081', timeoutMs: 0 }).message).toMatch(
      /timeoutMs: 0 is not a whole number/,
    );
    expect(refusal({ url: 'http://host:8081', username: 'key' }).message).toMatch(
      /^schema registry: username: "…" is given without password: give both, or neither$/,
    );
  });
});
