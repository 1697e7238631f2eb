import { Injectable, type OnModuleInit } from '@nestjs/common';
import { batchedReadsById } from '../database/batched-reads';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { type Model, type Types } from 'mongoose';
import { RefreshToken } from './schemas/refresh-token.schema';
import { Session } from './schemas/session.schema';

export interface SessionRecord {
  id: string;
  userId: string;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  sessionId: string;
  expiresAt: Date;
  spentAt: Date | null;
  /** The sealed token that replaced it (only with REFRESH_REUSE_INTERVAL_MS). */
  successor: string | null;
}

type SessionDoc = Session & { _id: Types.ObjectId };
type RefreshTokenDoc = RefreshToken & { _id: Types.ObjectId };

@Injectable()
export class SessionsRepository implements OnModuleInit {
  private readonly readSession;

  constructor(
    @InjectModel(Session.name) private readonly sessions: Model<Session>,
    @InjectModel(RefreshToken.name) private readonly tokens: Model<RefreshToken>,
  ) {
    this.readSession = batchedReadsById<Pick<SessionDoc, 'userId' | 'revokedAt'>>(sessions, {
      userId: 1,
      revokedAt: 1,
    });
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.sessions.init(), this.tokens.init()]);
  }

  async createSession(userId: string): Promise<string> {
    const doc = await this.sessions.create({ userId });
    return doc._id.toHexString();
  }

  /**
   * Read on every first handshake of a session: through the driver, without Mongoose's query
   * machinery, which cost more CPU than the read itself, and together with the other handshakes
   * of the moment (see batchedReadsById). `id` comes from a verified token.
   */
  async findSession(id: string): Promise<SessionRecord | null> {
    if (!mongoose.isObjectIdOrHexString(id)) return null;
    const doc = await this.readSession(id);
    return doc && { id, userId: doc.userId.toHexString(), revoked: doc.revokedAt !== null };
  }

  /** Revokes an active session; returns its user id, or null when unknown or already revoked. */
  async revokeSession(id: string, reason: string): Promise<string | null> {
    const doc = await this.sessions
      .findOneAndUpdate(
        { _id: id, revokedAt: null },
        { $set: { revokedAt: new Date(), revokedReason: reason } },
      )
      .lean<SessionDoc>()
      .exec();
    return doc && doc.userId.toHexString();
  }

  async addRefreshToken(data: {
    tokenHash: string;
    sessionId: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.tokens.create(data);
  }

  /**
   * Marks an unspent token spent (recording its sealed successor, if any) and returns it,
   * atomically: of two concurrent presentations of one token exactly one succeeds, and the
   * other is seen as reuse.
   */
  async spendRefreshToken(
    tokenHash: string,
    successor: string | null,
  ): Promise<Pick<RefreshTokenRecord, 'sessionId' | 'expiresAt'> | null> {
    const doc = await this.tokens
      .findOneAndUpdate({ tokenHash, spentAt: null }, { $set: { spentAt: new Date(), successor } })
      .lean<RefreshTokenDoc>()
      .exec();
    return doc && { sessionId: doc.sessionId.toHexString(), expiresAt: doc.expiresAt };
  }

  /**
   * Deletes refresh tokens past their expiry, spent or not (a spent one is kept until then so
   * that its reuse is still detected). Stands in for a TTL index, which the embedded database
   * (mongo-java-server) does not implement.
   */
  async deleteExpiredRefreshTokens(now = new Date()): Promise<number> {
    const { deletedCount } = await this.tokens
      .deleteMany({ expiresAt: mongoose.trusted({ $lte: now }) })
      .exec();
    return deletedCount;
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const doc = await this.tokens.findOne({ tokenHash }).lean<RefreshTokenDoc>().exec();
    return doc && toRefreshTokenRecord(doc);
  }
}

const toRefreshTokenRecord = (doc: RefreshTokenDoc): RefreshTokenRecord => ({
  sessionId: doc.sessionId.toHexString(),
  expiresAt: doc.expiresAt,
  spentAt: doc.spentAt,
  successor: doc.successor,
});
