/**
 * Branded pointer types: an address in the module's linear memory, tagged with what it points at,
 * so that passing an `X509*` where an `SSL*` is expected is a compile error. At run time a pointer
 * is a plain number; 0 is NULL.
 */
declare const pointee: unique symbol;
declare const callback: unique symbol;

export type Ptr<T extends string> = number & { readonly [pointee]: T };
/** A function pointer (an index into the module's table), such as a callback trampoline. */
export type FnPtr<T extends string> = number & { readonly [callback]: T };

/** NULL, accepted wherever a pointer or function pointer is. */
export const NULL = 0 as Ptr<never> & FnPtr<never>;

/** Casts a number, such as one read out of memory, to a pointer type. */
export function ptr<T extends string>(address: number): Ptr<T> {
  return address as Ptr<T>;
}
