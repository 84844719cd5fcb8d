import { tokenExpiry } from './token';

const jwt = (claims: object) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('tokenExpiry', () => {
  it('reads the exp claim of a session token (base64url, any padding)', () => {
    expect(tokenExpiry(jwt({ sid: 's', exp: 1_900_000_000 }))).toBe(1_900_000_000);
    expect(tokenExpiry(jwt({ sid: 'ü?>', exp: 42 }))).toBe(42);
  });

  it('is undefined for anything it cannot read (the server still decides)', () => {
    expect(tokenExpiry('opaque-token')).toBeUndefined();
    expect(tokenExpiry('a.!!!.c')).toBeUndefined();
    expect(tokenExpiry(jwt({ sid: 's' }))).toBeUndefined();
  });
});
