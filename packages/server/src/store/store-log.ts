/** The slice of a pino logger the stores use, so tests can pass a plain object. */
export interface StoreLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}
