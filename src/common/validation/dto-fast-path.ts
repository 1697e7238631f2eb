import {
  type ClassTransformOptions,
  type TransformMetadata,
  TransformationType,
} from 'class-transformer';
import type { MetadataStorage as TransformerMetadata } from 'class-transformer/types/MetadataStorage';
import {
  getMetadataStorage,
  type ValidationArguments,
  ValidationTypes,
  type ValidatorConstraintInterface,
} from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

// class-transformer keeps its decorators' metadata and its default options in modules its package
// root does not export; these are the very objects plainToInstance reads.
/* eslint-disable @typescript-eslint/no-require-imports */
const { defaultMetadataStorage: transformerMetadata } =
  require('class-transformer/cjs/storage') as {
    defaultMetadataStorage: TransformerMetadata;
  };
const { defaultOptions } = require('class-transformer/cjs/constants/default-options.constant') as {
  defaultOptions: ClassTransformOptions;
};
/* eslint-enable @typescript-eslint/no-require-imports */

type Dto = new () => object;

/** A rule of one field, as class-validator runs it. */
interface Check {
  validator: ValidatorConstraintInterface;
  constraints: unknown[];
}

interface Field {
  /** @Transform functions, in class-transformer's order. */
  transforms: TransformMetadata[];
  /** ValidateIf / IsOptional: the field's rules run only when all of these hold. */
  conditions: ((object: object, value: unknown) => boolean)[];
  /** IsDefined first, then every other rule, as class-validator orders them. */
  checks: Check[];
}

/** A DTO class's fields and their rules, read once from the two libraries' metadata. */
interface Plan {
  name: string;
  fields: Map<string, Field>;
}

const plans = new WeakMap<Dto, Plan | null>();

/**
 * `plainToInstance` followed by `validateSync`, as the socket validation pipe runs them (default
 * transform options; whitelist with forbidNonWhitelisted; no groups, no `always`), for the payload
 * every request sends: an object of JSON primitives, each field known to the DTO and valid. Such a
 * payload gets the instance the two libraries would build, from the same @Transform functions,
 * after the same validator constraints passed on it.
 *
 * `undefined` means "not decided here": a nested value, an unknown field, a failed rule, or a DTO
 * using a feature this does not reproduce (nested DTOs, `each`, @Type, @Expose, async rules).
 * The caller then runs the libraries themselves, which refuse with their own messages or accept.
 * So this may send a payload the long way, but never accepts one the long way refuses.
 *
 * Why: per message the libraries look the class's rules up again (class-validator walks every
 * class that has rules), build an error object per field, and filter the rules five times per
 * field; the socket pipeline spent more on that than on anything else of its own
 * (bench: task_moved acks/s about a fifth higher without the pipe).
 */
export function quickInstance(dto: Dto, payload: Record<string, unknown>): object | undefined {
  const plan = planOf(dto);
  if (!plan) return undefined;
  const instance = new dto() as Record<string, unknown>;
  for (const key of Object.keys(payload)) {
    const field = plan.fields.get(key);
    let value = payload[key];
    if (!field || (typeof value === 'object' && value !== null)) return undefined;
    for (const { transformFn } of field.transforms) {
      value = transformFn({
        value,
        key,
        obj: payload,
        type: TransformationType.PLAIN_TO_CLASS,
        options: defaultOptions,
      });
    }
    instance[key] = value;
  }
  for (const [property, field] of plan.fields) {
    const value = instance[property];
    // class-validator evaluates every condition, then skips the field unless all held.
    let applies = true;
    for (const condition of field.conditions) applies = condition(instance, value) && applies;
    if (!applies) continue;
    for (const { validator, constraints } of field.checks) {
      const args: ValidationArguments = {
        targetName: plan.name,
        property,
        object: instance,
        value,
        constraints,
      };
      const valid = validator.validate(value, args);
      if (valid instanceof Promise || !valid) return undefined;
    }
  }
  return instance;
}

function planOf(dto: Dto): Plan | null {
  let plan = plans.get(dto);
  if (plan === undefined) {
    plan = makePlan(dto);
    plans.set(dto, plan);
  }
  return plan;
}

/** The DTO's fields, or null when it uses anything `quickInstance` does not reproduce. */
function makePlan(dto: Dto): Plan | null {
  const storage = getMetadataStorage();
  // The arguments validateSync passes for the pipe's options: no schema, always and strictGroups
  // off, no groups.
  const rules = storage.getTargetValidationMetadatas(dto, '', false, false, undefined);
  if (rules.length === 0) return null;
  if (
    transformerMetadata.getStrategy(dto) !== 'none' ||
    transformerMetadata.getExposedMetadatas(dto).length > 0 ||
    transformerMetadata.getExcludedMetadatas(dto).length > 0
  ) {
    return null;
  }
  const sample = new dto() as Record<string, unknown>;
  const fields = new Map<string, Field>();
  for (const [property, fieldRules] of Object.entries(storage.groupByPropertyName(rules))) {
    const field = makeField(dto, sample, property, fieldRules);
    if (!field) return null;
    fields.set(property, field);
  }
  // An instance's own fields are whitelisted too: one without rules is refused the long way.
  if (Object.keys(sample).some((key) => !fields.has(key))) return null;
  return { name: dto.name, fields };
}

/** A field's transforms and rules; `sample` is an instance, as class-transformer makes one. */
function makeField(
  dto: Dto,
  sample: Record<string, unknown>,
  property: string,
  rules: ValidationMetadata[],
): Field | null {
  if (
    Object.getOwnPropertyDescriptor(dto.prototype, property) !== undefined ||
    transformerMetadata.findTypeMetadata(dto, property) !== undefined ||
    sample[property] instanceof Function
  ) {
    return null;
  }
  const transforms = transformerMetadata
    .findTransformMetadatas(dto, property, TransformationType.PLAIN_TO_CLASS)
    .filter(({ options }) => !options?.groups?.length);
  const conditions: Field['conditions'] = [];
  const defined: Check[] = [];
  const others: Check[] = [];
  for (const rule of rules) {
    if (rule.each) return null;
    switch (rule.type) {
      case ValidationTypes.WHITELIST:
        break;
      case ValidationTypes.CONDITIONAL_VALIDATION:
        conditions.push(rule.constraints[0] as Field['conditions'][number]);
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION: {
        const target = rule.type === ValidationTypes.IS_DEFINED ? defined : others;
        for (const constraint of getMetadataStorage().getTargetValidatorConstraints(
          rule.constraintCls,
        )) {
          if (constraint.async) return null;
          target.push({ validator: constraint.instance, constraints: rule.constraints });
        }
        break;
      }
      default:
        return null;
    }
  }
  return { transforms, conditions, checks: [...defined, ...others] };
}
