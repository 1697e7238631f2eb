import type { UserRecord } from '../../users/users.repository';

export type UserResponseDto = UserRecord;

export interface TokenPairDto {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds. */
  expiresIn: number;
}

export interface AuthResponseDto extends TokenPairDto {
  user: UserResponseDto;
}

/** Picks exactly the public fields, whatever else the source object carries. */
export const toUserResponse = ({ id, email, name }: UserRecord): UserResponseDto => ({
  id,
  email,
  name,
});
