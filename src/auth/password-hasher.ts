import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { argon2id, argon2Verify } from 'hash-wasm';

/**
 * argon2id with OWASP's recommended minimum (19 MiB, 2 iterations, 1 lane), stored as a
 * standard PHC string ($argon2id$v=19$...). WebAssembly rather than a native addon: no build
 * step, and no prebuilt binary that can crash the process on an unexpected CPU or libc.
 */
const PARAMS = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

@Injectable()
export class PasswordHasher {
  /** Verified against when the email is unknown, so both failures take the same time. */
  private decoy?: Promise<string>;

  hash(password: string): Promise<string> {
    return argon2id({ ...PARAMS, password, salt: randomBytes(16), outputType: 'encoded' });
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    this.decoy ??= this.hash(randomBytes(16).toString('hex'));
    const matches = await argon2Verify({ password, hash: hash ?? (await this.decoy) });
    return hash !== undefined && matches;
  }
}
