import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, Types } from 'mongoose';

/**
 * Every refresh token ever issued, by HMAC. Spent tokens are kept (with `spentAt`) so that
 * presenting one again is recognised as reuse and revokes its session.
 */
@Schema({ collection: 'refresh_tokens', timestamps: true, versionKey: false })
export class RefreshToken {
  @Prop({ required: true, unique: true })
  tokenHash!: string;

  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  sessionId!: Types.ObjectId;

  @Prop({ type: Date, required: true })
  expiresAt!: Date;

  @Prop({ type: Date, default: null })
  spentAt!: Date | null;

  /**
   * With REFRESH_REUSE_INTERVAL_MS: the token that replaced this one, sealed with a key only the
   * holder of this token's plaintext can derive (the database never holds a usable token).
   */
  @Prop({ type: String, default: null })
  successor!: string | null;
}

export const RefreshTokenSchema = SchemaFactory.createForClass(RefreshToken);
