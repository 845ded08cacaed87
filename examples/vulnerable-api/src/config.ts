// Application settings. Most come from the environment.
export const config = {
  port: Number(process.env.PORT ?? 3000),
  // FLAW (hard-coded secret): the JWT signing key is committed with the code.
  jwtSecret: 'jwt-signing-key-7f3c9a1e5b2d8046',
  adminToken: process.env.ADMIN_TOKEN ?? '',
  tokenTtlSeconds: 3600,
};
