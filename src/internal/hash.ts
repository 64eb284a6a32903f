/**
 * @internal
 */
import { createHash } from "node:crypto"

const salt = "GubPEmmotfiK9TMD6Zdw"

/**
 * The client-side password hash Determined's clients send with `isHashed: true`: lowercase hex
 * `sha512(salt + password)`; an empty password stays empty.
 * @internal
 */
export const hashPassword = (password: string): string =>
  password === "" ? "" : createHash("sha512").update(salt + password).digest("hex")
