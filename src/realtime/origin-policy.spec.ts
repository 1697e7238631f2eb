import { isAllowedOrigin } from './origin-policy';

describe(isAllowedOrigin.name, () => {
  const cors = { origins: ['https://app.example.com', 'http://localhost:3000'], anyOrigin: false };

  it.each(['https://app.example.com', 'http://localhost:3000'])('allows %s', (origin) => {
    expect(isAllowedOrigin(origin, cors)).toBe(true);
  });

  it('allows a request without an Origin header', () => {
    expect(isAllowedOrigin(undefined, cors)).toBe(true);
  });

  it.each([
    'null',
    'http://app.example.com',
    'https://app.example.com:8443',
    'https://app.example.com.evil.test',
    'https://evil-app.example.com',
    'https://app.example.co',
    'https://APP.example.com',
    'https://app.example.com/',
    ' https://app.example.com',
    '',
  ])('refuses %j', (origin) => {
    expect(isAllowedOrigin(origin, cors)).toBe(false);
  });

  it('allows any real origin but still refuses null when the allowlist is *', () => {
    const any = { origins: [], anyOrigin: true };
    expect(isAllowedOrigin('https://anything.test', any)).toBe(true);
    expect(isAllowedOrigin('null', any)).toBe(false);
  });
});
