import { ValidateIf } from 'class-validator';

/**
 * An optional body field: absent is fine, and null is validated like any other
 * value (so refused by the field's own rules). class-validator's IsOptional
 * would let null through as if the field were absent.
 */
export const IfPresent = () => ValidateIf((_object, value) => value !== undefined);
