/**
 * The route table (src/testing/internal/contract.ts) is generated from the contract by scripts/contract-table.ts
 * (`npm run generate:contract`). Here: the generator's rules on a small contract, that every route handler is
 * named in the table (both run everywhere), and that the committed table is what the generator makes of
 * ../shared/contract/determined-api.json (or $DETERMINED_CONTRACT) where it exists: a plain clone, as CI's, has no
 * contract.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import type { ContractInput } from "../../scripts/contract-table.js"
import { renderTable, tableFromContract } from "../../scripts/contract-table.js"
import { endpoints, enums } from "../../src/testing/internal/contract.js"
import { routes } from "../../src/testing/internal/routes/index.js"
import { contractPath } from "../utils/contract.js"

const hasContract = fs.existsSync(contractPath)
if (!hasContract) {
  console.warn(
    `route table vs contract skipped: ${contractPath} not found (../shared is not part of a plain clone)`
  )
}

const small: ContractInput = {
  endpoints: [
    {
      name: "GetTrial",
      method: "GET",
      path: "/api/v1/trials/{trial_id}",
      order: 75,
      streaming: false,
      authRequired: true,
      pathParams: [{ name: "trial_id", jsonType: "integer" }]
    },
    {
      name: "Login",
      method: "POST",
      path: "/api/v1/auth/login",
      order: 0,
      streaming: false,
      authRequired: false,
      pathParams: []
    },
    {
      name: "TaskLogs",
      method: "GET",
      path: "/api/v1/tasks/{task_id}/logs",
      order: 84,
      streaming: true,
      authRequired: true,
      pathParams: [{ name: "task_id", jsonType: "string" }]
    }
  ],
  enums: { "determined.api.v1.OrderBy": { numbers: { ORDER_BY_UNSPECIFIED: 0, ORDER_BY_ASC: 1, ORDER_BY_DESC: 2 } } }
}

describe("route table", () => {
  it("the generator: declaration order, integer path parameters as int, enums by number", () => {
    const table = tableFromContract(small)
    assert.deepStrictEqual(table.endpoints.map((e) => e.name), ["Login", "GetTrial", "TaskLogs"])
    assert.deepStrictEqual(table.endpoints[1]!.params, { trial_id: "int" })
    assert.deepStrictEqual(table.endpoints[2]!.params, { task_id: "string" })
    assert.isTrue(table.endpoints[2]!.streaming)
    assert.deepStrictEqual(table.enums["determined.api.v1.OrderBy"], {
      ORDER_BY_UNSPECIFIED: 0,
      ORDER_BY_ASC: 1,
      ORDER_BY_DESC: 2
    })
    const text = renderTable(table)
    assert.include(text, `e("GetTrial", "GET", "/api/v1/trials/{trial_id}", 75, false, true, { trial_id: "int" })`)
    assert.include(text, "all 3 endpoints")
  })

  it("every route handler is named in the table (a handler under another name would never be reached)", () => {
    const names = new Set(endpoints.map((e) => e.name))
    assert.deepStrictEqual(Object.keys(routes).filter((name) => !names.has(name)), [])
  })

  it.skipIf(!hasContract)(
    "the committed table is the generator's output for ../shared/contract/determined-api.json",
    () => {
      const contract = JSON.parse(fs.readFileSync(contractPath, "utf8")) as ContractInput
      const table = tableFromContract(contract)
      assert.deepStrictEqual(
        endpoints.map((e) => ({ ...e })),
        table.endpoints.map((e) => ({ ...e })),
        "run npm run generate:contract"
      )
      assert.deepStrictEqual(enums, table.enums, "run npm run generate:contract")
    }
  )
})
