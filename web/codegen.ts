// Typed operations from the committed SDL: `npm run codegen` (the build runs it first).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema/schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: "string", JSON: "unknown" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
    "src/gql/introspection.ts": {
      plugins: ["urql-introspection"],
      config: { module: "es2015", useTypeImports: true },
    },
  },
};
export default config;
