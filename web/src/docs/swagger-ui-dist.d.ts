// The part of swagger-ui-dist's ES bundle that the docs page uses (the package ships no type declarations).
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  const SwaggerUIBundle: (options: { url: string; dom_id: string; deepLinking?: boolean }) => unknown;
  export default SwaggerUIBundle;
}
