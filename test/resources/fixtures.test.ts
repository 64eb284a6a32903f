import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { Workspace } from "effect-determined"
import * as fs from "node:fs"
import * as path from "node:path"

// Real response bodies of a Determined master live in ../shared/fixtures (present in this repository's CI and
// development checkout, absent for users who clone only the project): skip when they are not there.
const dir = path.resolve(import.meta.dirname, "../../../shared/fixtures/determined")
const present = fs.existsSync(dir)
if (!present) console.warn(`fixtures test skipped: ${dir} is absent (it ships with the development checkout only)`)

const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"))

describe.skipIf(!present)("real master fixtures decode", () => {
  it("workspace.json", () => {
    const decoded = Schema.decodeUnknownEither(Schema.Struct({ workspace: Workspace.Workspace }))(
      read("workspace.json")
    )
    assert.isTrue(Either.isRight(decoded))
    if (Either.isRight(decoded)) {
      assert.strictEqual(decoded.right.workspace.name, "Uncategorized")
      assert.strictEqual(decoded.right.workspace.state, "UNSPECIFIED")
    }
  })
})
