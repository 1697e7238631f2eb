import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { SchemaTypes, Types } from 'mongoose';

/** One login. Its refresh tokens rotate; revoking it ends all of them and its access tokens. */
@Schema({ collection: 'sessions', timestamps: true, versionKey: false })
export class Session {
  @Prop({ type: SchemaTypes.ObjectId, required: true, index: true })
  userId!: Types.ObjectId;

  @Prop({ type: Date, default: null })
  revokedAt!: Date | null;

  @Prop({ type: String, default: null })
  revokedReason!: string | null;
}

export const SessionSchema = SchemaFactory.createForClass(Session);
