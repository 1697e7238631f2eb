import { Injectable, type OnModuleInit } from '@nestjs/common';
import { batchedReadsById } from '../database/batched-reads';
import { InjectModel } from '@nestjs/mongoose';
import mongoose, { isObjectIdOrHexString, type Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-errors';
import { User } from './user.schema';

/** A user as the rest of the app sees it: never a password or hash. */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
}

type UserDoc = User & { _id: Types.ObjectId };

@Injectable()
export class UsersRepository implements OnModuleInit {
  private readonly readUser;

  constructor(@InjectModel(User.name) private readonly users: Model<User>) {
    this.readUser = batchedReadsById<UserDoc>(users, { email: 1, name: 1 });
  }

  /** The unique email index must exist before the first registration races another. */
  async onModuleInit(): Promise<void> {
    await this.users.init();
  }

  /** Returns null when the email is already taken. */
  async create(data: {
    email: string;
    name: string;
    passwordHash: string;
  }): Promise<UserRecord | null> {
    try {
      const doc = await this.users.create(data);
      return toUserRecord(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) return null;
      throw err;
    }
  }

  /** Read on every first handshake of a session: batched and through the driver, like findSession. */
  async findById(id: string): Promise<UserRecord | null> {
    if (!isObjectIdOrHexString(id)) return null;
    const doc = await this.readUser(id);
    return doc && toUserRecord(doc);
  }

  /** Several users at once, in no particular order; unknown ids are left out. */
  async findByIds(ids: string[]): Promise<UserRecord[]> {
    const objectIds = ids
      .filter((id) => isObjectIdOrHexString(id))
      .map((id) => new Types.ObjectId(id));
    const docs = await this.users
      .find({ _id: mongoose.trusted({ $in: objectIds }) })
      .lean<UserDoc[]>()
      .exec();
    return docs.map(toUserRecord);
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const doc = await this.users.findOne({ email }).lean<UserDoc>().exec();
    return doc && toUserRecord(doc);
  }

  async findCredentials(email: string): Promise<(UserRecord & { passwordHash: string }) | null> {
    const doc = await this.users.findOne({ email }).select('+passwordHash').lean<UserDoc>().exec();
    return doc && { ...toUserRecord(doc), passwordHash: doc.passwordHash };
  }
}

const toUserRecord = (doc: UserDoc): UserRecord => ({
  id: doc._id.toHexString(),
  email: doc.email,
  name: doc.name,
});
