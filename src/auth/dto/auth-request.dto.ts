import { IsEmail, IsNotEmpty, IsString, MaxLength, MinLength } from 'class-validator';
import { Trim } from '../../common/validation/trim';

/** Long enough for any passphrase, short enough that hashing stays cheap to refuse. */
const MAX_PASSWORD_LENGTH = 256;

export class RegisterDto {
  @IsEmail() @MaxLength(254) email!: string;

  @IsString() @MinLength(8) @MaxLength(MAX_PASSWORD_LENGTH) password!: string;

  @Trim() @IsString() @IsNotEmpty() @MaxLength(100) name!: string;
}

export class LoginDto {
  @IsEmail() @MaxLength(254) email!: string;

  @IsString() @IsNotEmpty() @MaxLength(MAX_PASSWORD_LENGTH) password!: string;
}

export class RefreshTokenDto {
  @IsString() @IsNotEmpty() @MaxLength(512) refreshToken!: string;
}
