import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { getMetadataStorage, IsString, ValidateNested, validateSync } from 'class-validator';
import { NotificationsGateway } from '../../realtime/notifications.gateway';
import { ProjectsGateway } from '../../realtime/projects.gateway';
import { quickInstance } from './dto-fast-path';

type Dto = new () => object;

/** Every payload DTO of a socket request, read from the gateways' handlers. */
function requestDtos(): Dto[] {
  const found = new Set<Dto>();
  for (const gateway of [ProjectsGateway, NotificationsGateway]) {
    const prototype = gateway.prototype as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (typeof prototype[name] !== 'function' || !Reflect.getMetadata('message', prototype[name]))
        continue;
      const types = (Reflect.getMetadata('design:paramtypes', prototype, name) ?? []) as unknown[];
      for (const type of types) {
        if (typeof type === 'function' && type !== Object) found.add(type as Dto);
      }
    }
  }
  return [...found];
}

/** A valid value for each field name the request DTOs use. */
const VALID: Record<string, unknown> = {
  projectId: '65A1B2C3D4E5F60718293A4B',
  taskId: '65a1b2c3d4e5f60718293a4c',
  newStatus: 'done',
  status: 'in-progress',
  position: 'a0V',
  expectedVersion: 3,
  requestId: 'req_1-A',
  title: '  A title\u0065\u0301  ',
  description: 'Two\nlines',
  token: 'header.payload.signature',
};

/** Values a client may send anywhere, right or wrong. */
const ODD: unknown[] = [
  undefined,
  null,
  '',
  ' ',
  0,
  -1,
  1.5,
  2 ** 60,
  true,
  'x'.repeat(5000),
  'right\u202eleft',
  'zero\u200bwidth',
  '65A1B2C3D4E5F60718293A4B',
  'todo',
  {},
  { $ne: null },
  [],
  ['a'],
];

/** The payload's fields and rules as the libraries apply them: what the pipe did before. */
function reference(dto: Dto, payload: Record<string, unknown>) {
  const instance = plainToInstance<object, unknown>(dto, structuredClone(payload));
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  return { instance, errors };
}

function fieldsOf(dto: Dto): string[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false);
  return [...new Set(rules.map((rule) => rule.propertyName))];
}

function payloadsFor(dto: Dto): Record<string, unknown>[] {
  const fields = fieldsOf(dto);
  const valid = Object.fromEntries(fields.map((field) => [field, VALID[field]]));
  const payloads: Record<string, unknown>[] = [valid, { ...valid, extra: 1 }];
  payloads.push({ ...valid, toString: 'shadowing a method' });
  for (const field of fields) {
    const { [field]: _left, ...without } = valid;
    payloads.push(without);
    for (const odd of ODD) payloads.push({ ...valid, [field]: odd });
  }
  return payloads;
}

describe('quickInstance', () => {
  const dtos = requestDtos();

  it('finds the request DTOs of both gateways', () => {
    expect(dtos.map((dto) => dto.name)).toEqual(
      expect.arrayContaining(['MoveTaskDto', 'CreateTaskMessageDto', 'RefreshSocketTokenDto']),
    );
    for (const dto of dtos)
      expect(Object.keys(VALID)).toEqual(expect.arrayContaining(fieldsOf(dto)));
  });

  it.each(requestDtos().map((dto) => [dto.name, dto] as const))(
    '%s: never accepts what class-validator refuses, and builds the same instance',
    (_name, dto) => {
      let accepted = 0;
      for (const payload of payloadsFor(dto)) {
        const quick = quickInstance(dto, structuredClone(payload));
        const { instance, errors } = reference(dto, payload);
        if (quick === undefined) continue;
        accepted++;
        expect({ payload, errors }).toEqual({ payload, errors: [] });
        expect(quick).toBeInstanceOf(dto);
        expect(quick).toStrictEqual(instance);
      }
      // The fast path is taken at all: at least the valid payload and its variants that the
      // rules accept (an optional field left out, for one).
      expect(accepted).toBeGreaterThan(0);
    },
  );

  it('takes every valid payload, transformed as class-transformer transforms it', () => {
    for (const dto of dtos) {
      const fields = fieldsOf(dto);
      const valid = Object.fromEntries(fields.map((field) => [field, VALID[field]]));
      expect(quickInstance(dto, valid)).toStrictEqual(reference(dto, valid).instance);
    }
  });

  it('leaves nested values, unknown fields and failed rules to the libraries', () => {
    const [move] = dtos.filter((dto) => dto.name === 'MoveTaskDto');
    const valid = { projectId: VALID.projectId, taskId: VALID.taskId, newStatus: 'done' };
    expect(quickInstance(move, valid)).toBeDefined();
    expect(quickInstance(move, { ...valid, taskId: { $ne: null } })).toBeUndefined();
    expect(quickInstance(move, { ...valid, extra: 1 })).toBeUndefined();
    expect(quickInstance(move, { ...valid, newStatus: 'archived' })).toBeUndefined();
    expect(quickInstance(move, { ...valid, expectedVersion: null })).toBeUndefined();
  });

  it('does not decide for a DTO that uses what it does not reproduce', () => {
    class WithEach {
      @IsString({ each: true }) tags!: string[];
    }
    class WithNested {
      @ValidateNested() @Type(() => WithEach) inner!: WithEach;
    }
    expect(quickInstance(WithEach, { tags: 'x' })).toBeUndefined();
    expect(quickInstance(WithNested, { inner: 'x' })).toBeUndefined();
  });
});
