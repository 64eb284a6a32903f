import effectPlugin from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "*.mjs"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    plugins: { "@effect": effectPlugin },
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/array-type": ["warn", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/consistent-type-imports": "warn",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      // Error types are API: an error is removed from a type only by its tag (Effect.catchTag / catchTags, which
      // re-fail what they do not convert). A refinement given to catchIf claims to remove every error of the
      // refined type, also those its test lets through at run time.
      "no-restricted-syntax": ["error", {
        selector: "CallExpression[callee.property.name='catchIf'] > " +
          ":matches(ArrowFunctionExpression, FunctionExpression)[returnType.typeAnnotation.type='TSTypePredicate']",
        message: "Do not narrow an error type with a refinement: use Effect.catchTag / catchTags and re-fail " +
          "what is not handled, or a boolean predicate (which keeps the type)."
      }]
    }
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/bin/**"],
    rules: { "no-console": "error" }
  }
)
